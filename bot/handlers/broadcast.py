"""/broadcast: staff compose a campaign in the chat, see it as citizens will, and confirm;
the buttons of a run's progress message pause, resume or cancel it."""

import secrets
from dataclasses import replace

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.methods import EditMessageReplyMarkup
from aiogram.types import CallbackQuery, Message

from bot.handlers.common import event_from_message, show_menu
from bot.jobs.campaign_messages import RunAction, campaign_message, run_keyboard
from bot.runtime.callbacks import CampaignButton, Encode, RunButton, encode_menu, encode_screen
from bot.runtime.filters import NotACommand
from bot.runtime.fsm_storage import BROADCAST_DESTINY, destiny_state
from bot.runtime.listening import listen, stop_listening
from bot.runtime.staff_access import is_allowed, refuse_button
from bot.runtime.turn import Turn
from broadcast.audiences import recipients
from budget.roles import Role
from budget.serialise import dump, load
from conversations import campaign_form
from conversations.campaign_form import CampaignForm, CampaignOutcome, FormContext, Step
from conversations.events import Press
from conversations.replies import Reply

# The steps where the composer waits for something typed or sent rather than a button.
TYPED_STEPS = {Step.TEXT, Step.IMAGE, Step.LINK, Step.AT, Step.WEEKLY}


def router() -> Router:
    router = Router(name="broadcast")
    router.message.register(start_campaign, Command("broadcast"))
    router.callback_query.register(press_campaign_button, CampaignButton.filter())
    router.message.register(answer_composer, Campaign.composing, NotACommand())
    router.callback_query.register(press_run_button, RunButton.filter())
    return router


async def is_staff(turn: Turn) -> bool:
    return await is_allowed(turn, Role.BROADCASTER)


def composer_fsm(state: FSMContext) -> FSMContext:
    """The composer keeps its state apart from the citizen conversations of the same account."""
    return destiny_state(state, BROADCAST_DESTINY)


async def load_composer(state: FSMContext) -> CampaignForm | None:
    data = await composer_fsm(state).get_data()
    return load(CampaignForm, data) if data else None


class Campaign(StatesGroup):
    """A staff member composing a campaign, at a step that waits for a text or an image."""

    composing = State()


def form_context(turn: Turn) -> FormContext:
    return FormContext(turn.edition, turn.now)


async def start_campaign(message: Message, turn: Turn, state: FSMContext) -> None:
    if not await is_staff(turn):
        # The same answer as any unknown command: staff commands are not advertised.
        turn.show(Reply("error.unknown_command"))
        if turn.citizen is not None:
            await show_menu(turn, state)
        return
    outcome = campaign_form.start(form_context(turn), secrets.token_hex(3))
    await apply(outcome, turn, state)


async def press_campaign_button(
    query: CallbackQuery, callback_data: CampaignButton, turn: Turn, state: FSMContext
) -> None:
    form = await load_composer(state)
    if not await is_staff(turn) or form is None:
        turn.show(Reply("broadcast.error.old_button", notice=True))
        return
    press = Press(callback_data.action, callback_data.arg, callback_data.token, callback_data.seq)
    await apply(campaign_form.step(form, press, form_context(turn)), turn, state)


async def answer_composer(message: Message, turn: Turn, state: FSMContext) -> None:
    form = await load_composer(state)
    if not await is_staff(turn) or form is None or form.step not in TYPED_STEPS:
        await stop_listening(state)
        await show_menu(turn, state)
        return
    event = event_from_message(message)
    await apply(campaign_form.step(form, event, form_context(turn)), turn, state)


async def apply(outcome: CampaignOutcome, turn: Turn, state: FSMContext) -> None:
    """Carry out what the composer asks (a preview, the campaign to store), feed the result
    back, then show its screens."""
    if outcome.effect is not None and outcome.state is not None:
        result = await carry_out(outcome.effect, turn)
        outcome = campaign_form.step(outcome.state, result, form_context(turn))
    form, replies = outcome.state, outcome.replies
    fsm = composer_fsm(state)
    if form is not None and form.step in TYPED_STEPS:
        await listen(state, Campaign.composing)
    else:
        await stop_listening(state, Campaign.composing)
    if form is None:
        await fsm.set_data({})
        turn.show(replies, encode_menu)
    else:
        await fsm.set_data(dump(form))
        turn.show(replies, encode_composer(form))


async def carry_out(
    effect: campaign_form.Preview | campaign_form.Create, turn: Turn
) -> campaign_form.Result:
    campaign = effect.campaign
    if isinstance(effect, campaign_form.Preview):
        audience = await recipients(
            turn.uow,
            turn.stored.id,
            campaign.audience,
            campaign.results_announcement,
            turn.now,
        )
        # Exactly what a citizen will get, in the staff member's language if there is a text.
        # The preview itself is no broadcast: it costs nothing.
        shown = replace(campaign, paid_broadcast=False)
        turn.send(campaign_message(shown, turn.edition, turn.chat_id, turn.lang, turn.renderer))
        return campaign_form.Previewed(len(audience))
    stored = await turn.uow.campaigns.add_campaign(turn.stored.id, campaign, turn.user.id, turn.now)
    await turn.uow.audit.record(
        turn.user.id,
        "campaign_create",
        f"campaign:{stored.id}",
        turn.now,
        after={
            "texts": stored.texts,
            "audience": stored.audience,
            "schedule": stored.schedule,
            "paid_broadcast": stored.paid_broadcast,
        },
    )
    return campaign_form.Created(stored.id)


def encode_composer(form: CampaignForm) -> Encode:
    return encode_screen(CampaignButton, form.token, form.seq)


async def press_run_button(query: CallbackQuery, callback_data: RunButton, turn: Turn) -> None:
    """Pause, resume or cancel a run. From a non-staff account (a forwarded message, a forged
    button) it does nothing, and says nothing more than any unknown button."""
    if not await is_staff(turn):
        await refuse_button(turn, f"run:{callback_data.run}")
        return
    moves: dict[str, tuple[str, tuple[str, ...]]] = {
        RunAction.PAUSE: ("paused", ("sending",)),
        RunAction.RESUME: ("sending", ("paused",)),
        RunAction.CANCEL: ("cancelled", ("sending", "paused")),
    }
    move = moves.get(callback_data.action)
    if move is None:
        turn.show(Reply("error.invalid_button", notice=True))
        return
    target, sources = move
    changed = await turn.uow.campaigns.set_run_state(
        callback_data.run, target, turn.now, only_from=sources
    )
    if changed and target == "cancelled":
        # Staff cancel a campaign, not one week of it: next week's run must not start.
        await turn.uow.campaigns.stop_after_run(callback_data.run)
    if changed:
        await turn.uow.audit.record(
            turn.user.id,
            f"run_{callback_data.action}",
            f"run:{callback_data.run}",
            turn.now,
            after={"state": target},
        )
    key = f"broadcast.run.{target}" if changed else "broadcast.run.unchanged"
    turn.show(Reply(key, notice=True))
    if changed and turn.editable is not None:
        # The progress message offers the move that applies now: Resume once paused.
        turn.send(
            EditMessageReplyMarkup(
                chat_id=turn.chat_id,
                message_id=turn.editable,
                reply_markup=run_keyboard(turn.renderer, callback_data.run, target, turn.lang),
            )
        )
