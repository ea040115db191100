"""A stand in town in Telegram: /stand, the desk's buttons, what the staff member types; the
paper ideas and paper ballots stored, each with its stand, staff member and paper reference,
and written to the audit log (never what a ballot holds)."""

import secrets

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.handlers.common import ask_consent, count, event_from_message
from bot.handlers.idea_form import new_idea, tell_staff
from bot.handlers.vote import identity_hash, phone_hash
from bot.runtime.callbacks import (
    Encode,
    StandButton,
    StandFormButton,
    encode_menu,
    encode_screen,
)
from bot.runtime.filters import NotACommand
from bot.runtime.fsm_storage import STAND_DESTINY, destiny_state
from bot.runtime.listening import listen, stop_listening
from bot.runtime.staff_access import StaffCommand, is_allowed, refuse_button
from bot.runtime.turn import Turn
from budget.ballot import BallotError
from budget.districts import district_of
from budget.figures import Tally
from budget.roles import Role
from budget.serialise import dump, load
from conversations import stand
from conversations.events import Press
from conversations.idea_form import FormAction
from conversations.replies import Button
from conversations.stand import By, StandContext, StandOutcome, StandState
from storage.stands import ReferenceUsed
from storage.voting import PhoneAlreadyUsed, VoteClosed


def router() -> Router:
    router = Router(name="stands")
    router.message.register(open_stand, Command("stand"), StaffCommand(Role.STAND))
    router.callback_query.register(press_stand_button, StandButton.filter())
    router.callback_query.register(press_stand_button, StandFormButton.filter())
    router.message.register(type_at_stand, AtStand.typing, NotACommand())
    return router


class AtStand(StatesGroup):
    """A staff member at a stand typing a paper form's reference, its author's name, the
    citizen's phone number or identity reference, or an answer of the idea form."""

    typing = State()


def stand_fsm(state: FSMContext) -> FSMContext:
    return destiny_state(state, STAND_DESTINY)


async def load_stand(state: FSMContext) -> StandState | None:
    data = await stand_fsm(state).get_data()
    return load(StandState, data) if data else None


async def stand_context(turn: Turn) -> StandContext:
    projects = await turn.on_ballot()
    ordered = tuple(sorted(projects, key=lambda project: project.id))
    return StandContext(turn.edition, turn.now, ordered)


async def open_stand(message: Message, turn: Turn, state: FSMContext) -> None:
    if turn.citizen is None:
        ask_consent(turn, "")
        return
    ctx = await stand_context(turn)
    await run(stand.open_stand(ctx, secrets.token_hex(3)), ctx, turn, state)


async def press_stand_button(
    query: CallbackQuery,
    callback_data: StandButton | StandFormButton,
    turn: Turn,
    state: FSMContext,
) -> None:
    """A button of the stand, or of the idea form shown there for a paper idea."""
    if not await is_allowed(turn, Role.STAND):
        await refuse_button(turn, f"stand:{callback_data.action}")
        return
    working = await load_stand(state)
    if turn.citizen is None or working is None:
        turn.show(stand.closed_reply(notice=True))
        return
    ctx = await stand_context(turn)
    press = Press(callback_data.action, callback_data.arg, callback_data.token, callback_data.seq)
    step = stand.step_form if isinstance(callback_data, StandFormButton) else stand.step
    await run(step(working, press, ctx), ctx, turn, state)


async def type_at_stand(message: Message, turn: Turn, state: FSMContext) -> None:
    working = await load_stand(state)
    if turn.citizen is None or working is None or not await is_allowed(turn, Role.STAND):
        await stop_listening(state, AtStand.typing)
        turn.show(stand.closed_reply())
        return
    ctx = await stand_context(turn)
    await run(stand.step(working, event_from_message(message), ctx), ctx, turn, state)


async def run(outcome: StandOutcome, ctx: StandContext, turn: Turn, state: FSMContext) -> None:
    """Carry out what the stand asks, feed back what came of it; then keep its state and show
    what it says."""
    while outcome.effect is not None and outcome.state is not None:
        result = await carry_out(outcome.effect, outcome.state, turn)
        outcome = stand.step(outcome.state, result, ctx)
    working = outcome.state
    fsm = stand_fsm(state)
    if working is not None and working.screen in stand.TYPED:
        await listen(state, AtStand.typing)
    else:
        await stop_listening(state, AtStand.typing)
    if working is None:
        await fsm.set_data({})
        turn.show(outcome.replies, encode_menu)
        return
    await fsm.set_data(dump(working))
    turn.show(outcome.replies, encode_stand(working))


def encode_stand(working: StandState) -> Encode:
    """The stand's own buttons, and those of the idea form inside it (under the form's own
    question number)."""
    own = encode_screen(StandButton, working.token, working.seq)
    form = working.form
    in_form = encode_screen(StandFormButton, working.token, form.seq) if form else None

    def encode(button: Button) -> str:
        if in_form is not None and isinstance(button.action, FormAction):
            return in_form(button)
        return own(button)

    return encode


async def carry_out(effect: stand.Effect, working: StandState, turn: Turn) -> stand.Result:
    edition_id = turn.stored.id
    match effect:
        case stand.CheckReference(reference=reference):
            used = await turn.uow.stands.reference_used(edition_id, reference)
            return stand.ReferenceTaken() if used else stand.ReferenceFree()
        case stand.CheckVoter(by=by, value=value):
            fingerprint = await fingerprint_of(turn, by, value)
            phone, identity = (fingerprint, None) if by is By.PHONE else (None, fingerprint)
            try:
                await turn.uow.voting.check_free(edition_id, phone, identity)
            except PhoneAlreadyUsed as used:
                await audit_refusal(turn, working, by, used.at_stand)
                return stand.VoterKnown(used.at_stand)
            return stand.VoterFree(fingerprint)
        case stand.SaveIdea():
            return await save_idea(effect, turn)
        case stand.CastPaper():
            return await cast_paper(effect, turn)
    raise TypeError(effect)


async def fingerprint_of(turn: Turn, by: By, value: str) -> str:
    """As the online vote makes it, so that one person is recognised on either side."""
    if by is By.PHONE:
        return await phone_hash(turn, value)
    return await identity_hash(turn, value)


async def audit_refusal(turn: Turn, working: StandState, by: By, at_stand: bool) -> None:
    """A second ballot refused at a stand is staff's business: it is in the audit log."""
    await turn.uow.audit.record(
        turn.user.id,
        "stand_ballot_refused",
        f"stand:{working.stand}",
        turn.now,
        after={
            "reference": working.reference,
            "by": by.value,
            "already": "stand" if at_stand else "online",
        },
    )


async def save_idea(effect: stand.SaveIdea, turn: Turn) -> stand.Result:
    assert turn.citizen is not None
    uow, edition_id = turn.uow, turn.stored.id
    district = district_of(effect.draft.address, turn.edition)
    try:
        async with uow.session.begin_nested():
            idea = await uow.ideas.submit(
                edition_id, turn.citizen.id, new_idea(effect.draft), turn.now, district=district
            )
            await uow.stands.record(
                edition_id,
                "idea",
                effect.stand,
                turn.user.id,
                effect.reference,
                turn.now,
                idea_id=idea.id,
                author_name=effect.author_name,
                author_contact=effect.author_contact,
            )
    except ReferenceUsed:
        return stand.ReferenceTaken()
    await uow.audit.record(
        turn.user.id,
        "stand_idea",
        f"idea:{idea.id}",
        turn.now,
        after={"stand": effect.stand, "reference": effect.reference},
    )
    # In the figures, a stand is a channel of its own.
    await count(turn, Tally.IDEA_SUBMITTED, district, source=channel(effect.stand))
    await tell_staff(turn, idea.id, effect.draft)
    return stand.IdeaSaved(idea.id)


def channel(stand_code: str) -> str:
    return f"stand:{stand_code}"


async def cast_paper(effect: stand.CastPaper, turn: Turn) -> stand.Result:
    uow, edition, edition_id = turn.uow, turn.edition, turn.stored.id
    at = edition.stand(effect.stand)
    district = at.district if at is not None else None
    on_ballot = await uow.projects.on_ballot(edition_id)
    try:
        async with uow.session.begin_nested():
            await uow.stands.record(
                edition_id, "ballot", effect.stand, turn.user.id, effect.reference, turn.now
            )
            voter = await uow.voting.register_paper(
                edition_id, district, effect.phone_hash, effect.identity_hash, turn.now
            )
            ballot = await uow.voting.cast(
                edition_id,
                voter,
                effect.project_ids,
                on_ballot,
                edition.envelope_cents,
                edition.vote.allow_empty_ballot,
                turn.now,
            )
    except ReferenceUsed:
        return stand.ReferenceTaken()
    except PhoneAlreadyUsed as used:
        return stand.VoterKnown(used.at_stand)
    except BallotError as refused:
        return stand.PaperRefused(refused.reason)
    except VoteClosed:
        return stand.PaperRefused("closed")
    # What the ballot holds is not written here: only where and by whom it was entered.
    await uow.audit.record(
        turn.user.id,
        "stand_ballot",
        f"stand:{effect.stand}",
        turn.now,
        after={"reference": effect.reference},
    )
    for tally in (Tally.VOTE_REGISTERED, Tally.VOTE_CAST):
        await count(turn, tally, district, source=channel(effect.stand))
    return stand.PaperCast(ballot.receipt)
