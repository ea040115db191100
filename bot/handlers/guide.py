"""The guide before the idea form in Telegram: "Deposit an idea" shows the edition's checklist
first (when it has criteria and no draft waits), its buttons, the examples; then the form
starts with the answers in its draft."""

import secrets

from aiogram import Bot, F, Router
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from bot.handlers.common import count, has_draft
from bot.handlers.idea_form import apply, form_context
from bot.runtime.callbacks import Encode, GuideButton, MenuButton, encode_screen
from bot.runtime.fsm_storage import GUIDE_DESTINY, destiny_state
from bot.runtime.turn import Turn
from budget.figures import Tally
from budget.serialise import dump, load
from conversations import guide, idea_form
from conversations.events import Press
from conversations.guide import GuideContext, GuideOutcome, GuideState
from conversations.menu import MenuAction
from conversations.replies import Reply


def router() -> Router:
    router = Router(name="guide")
    router.callback_query.register(
        open_guide, MenuButton.filter(F.action == MenuAction.DEPOSIT), GuideFirst()
    )
    router.callback_query.register(press_guide_button, GuideButton.filter())
    return router


class GuideFirst(Filter):
    """A new idea, where the edition has a checklist: the guide comes first. Otherwise the
    idea form takes the button itself."""

    async def __call__(self, query: CallbackQuery, turn: Turn, state: FSMContext) -> bool:
        return (
            turn.citizen is not None
            and guide.shown_before_the_form(turn.edition, turn.now)
            and not await has_draft(state)
        )


def guide_fsm(state: FSMContext) -> FSMContext:
    return destiny_state(state, GUIDE_DESTINY)


def guide_context(turn: Turn) -> GuideContext:
    return GuideContext(turn.edition, turn.now)


async def open_guide(query: CallbackQuery, turn: Turn, state: FSMContext, bot: Bot) -> None:
    await run(guide.open_guide(guide_context(turn), secrets.token_hex(3)), turn, state, bot)


async def press_guide_button(
    query: CallbackQuery, callback_data: GuideButton, turn: Turn, state: FSMContext, bot: Bot
) -> None:
    data = await guide_fsm(state).get_data()
    if turn.citizen is None or not data:
        turn.show(Reply("guide.error.old_button", notice=True))
        return
    working = load(GuideState, data)
    press = Press(callback_data.action, callback_data.arg, callback_data.token, callback_data.seq)
    await run(guide.step(working, press, guide_context(turn)), turn, state, bot)


async def run(outcome: GuideOutcome, turn: Turn, state: FSMContext, bot: Bot) -> None:
    if outcome.start is not None:
        await guide_fsm(state).set_data({})
        if await has_draft(state):
            # A draft was opened meanwhile (another message's button): it is the one to go on.
            turn.show(Reply("guide.error.old_button", notice=True))
            return
        form = idea_form.start(form_context(turn), token=secrets.token_hex(3))
        if form.state is not None:
            form.state.draft.checklist = outcome.start
            await count(turn, Tally.IDEA_STARTED)
        await apply(form, turn, state, bot)
        return
    if outcome.state is None:
        await guide_fsm(state).set_data({})
        turn.show(outcome.replies)
        return
    await guide_fsm(state).set_data(dump(outcome.state))
    turn.show(outcome.replies, encode_guide(outcome.state))


def encode_guide(working: GuideState) -> Encode:
    return encode_screen(GuideButton, working.token, working.seq)
