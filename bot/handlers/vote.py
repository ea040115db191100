"""The envelope vote in Telegram: /vote and the menu, the vote's buttons, the identity reference
typed where the edition asks for it, the phone number shared through Telegram's contact button,
and /ranking."""

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import replace

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.handlers.common import (
    ask_consent,
    count,
    event_from_message,
    load_vote,
    show_menu,
    vote_fsm,
)
from bot.runtime.callbacks import Encode, MenuButton, VoteButton, encode_menu, encode_screen
from bot.runtime.filters import NotACommand, SharesContact
from bot.runtime.listening import listen, stop_listening
from bot.runtime.turn import Turn
from budget.ballot import BallotError, voter_order
from budget.edition import Phase
from budget.eligibility import identity_fingerprint, phone_fingerprint
from budget.figures import Tally
from budget.integrity import counts_at_cast, counts_at_phone
from budget.serialise import dump
from conversations import vote
from conversations.events import ContactIn, Press
from conversations.menu import MenuAction
from conversations.replies import Button, Localized, Reply, Text
from conversations.vote import CastView, VoteContext, VoteOutcome, VoteState
from conversations.welcome import Destination
from storage.voting import CastBallot, PhoneAlreadyUsed, VoteClosed, Voter


def router() -> Router:
    router = Router(name="vote")
    router.message.register(open_vote, Command("vote"))
    router.callback_query.register(open_vote, MenuButton.filter(F.action == MenuAction.VOTE))
    router.callback_query.register(press_vote_button, VoteButton.filter())
    router.message.register(share_phone, Phone.asked, SharesContact())
    router.message.register(answer_eligibility_question, Phone.asked, NotACommand())
    router.message.register(answer_eligibility_question, Identity.asked, NotACommand())
    router.message.register(refuse_unasked_contact, SharesContact())
    router.message.register(show_ranking, Command("ranking"))
    router.callback_query.register(show_ranking, MenuButton.filter(F.action == MenuAction.RANKING))
    return router


async def vote_context(turn: Turn) -> tuple[VoteContext, Voter | None]:
    assert turn.citizen is not None
    projects = await turn.on_ballot()
    voter = await turn.uow.voting.voter(turn.stored.id, turn.citizen.id)
    ballot = await turn.uow.voting.ballot(turn.stored.id, voter) if voter else None
    cast = CastView(ballot.project_ids, ballot.version, ballot.receipt) if ballot else None
    # Each voter sees the projects in an order of their own, the same each time.
    ordered = voter_order(projects, seed=turn.stored.id * 1_000_003 + turn.citizen.id)
    context = VoteContext(turn.edition, turn.now, tuple(ordered), voter is not None, cast)
    return context, voter


async def open_vote(event: Message | CallbackQuery, turn: Turn, state: FSMContext) -> None:
    if turn.citizen is None:
        ask_consent(turn, "", then=Destination.VOTE)
        return
    ctx, _ = await vote_context(turn)
    working = await load_vote(state)
    outcome = vote.open_vote(working, ctx, secrets.token_hex(3))
    if working is None and outcome.state is not None and not ctx.registered:
        # Counted the first time a citizen opens the vote, not each time they come back.
        await count(turn, Tally.VOTE_OPENED)
    await run(outcome, ctx, turn, state)


async def press_vote_button(
    query: CallbackQuery, callback_data: VoteButton, turn: Turn, state: FSMContext
) -> None:
    working = await load_vote(state)
    if turn.citizen is None or working is None:
        turn.show(Reply("vote.error.old_button", notice=True))
        return
    ctx, _ = await vote_context(turn)
    press = Press(callback_data.action, callback_data.arg, callback_data.token, callback_data.seq)
    await run(vote.step(working, press, ctx), ctx, turn, state)


async def share_phone(message: Message, turn: Turn, state: FSMContext) -> None:
    working = await load_vote(state)
    if turn.citizen is None or working is None or message.contact is None:
        await stop_listening(state, Phone.asked)
        turn.show(Reply("vote.phone.unexpected", drop_keyboard=True))
        await show_menu(turn, state)
        return
    contact = message.contact
    own = contact.user_id is not None and contact.user_id == turn.user.id
    if working.screen is vote.Screen.PHONE and turn.edition.is_open(Phase.VOTE, turn.now):
        await count_number_tried(turn, contact.phone_number)
    ctx, _ = await vote_context(turn)
    await run(vote.step(working, ContactIn(contact.phone_number, own), ctx), ctx, turn, state)


class Phone(StatesGroup):
    """A voter asked for their phone number, through Telegram's contact button."""

    asked = State()


class Identity(StatesGroup):
    """A voter asked to type the edition's identity reference."""

    asked = State()


# Who listens while the vote waits for an answer to one of its eligibility questions.
LISTENERS = {vote.Screen.PHONE: Phone.asked, vote.Screen.IDENTITY: Identity.asked}


async def refuse_unasked_contact(message: Message, turn: Turn, state: FSMContext) -> None:
    """A contact card nobody asked for: thanked, and forgotten; the menu says what next."""
    turn.show(Reply("vote.phone.unexpected", drop_keyboard=True))
    if turn.citizen is not None:
        await show_menu(turn, state)


async def answer_eligibility_question(message: Message, turn: Turn, state: FSMContext) -> None:
    """Where the identity reference is asked, what is typed (or sent instead); where the phone
    number is, anything but the contact button (asked again)."""
    working = await load_vote(state)
    if turn.citizen is None or working is None or working.screen not in LISTENERS:
        await stop_listening(state)
        await show_menu(turn, state)
        return
    ctx, _ = await vote_context(turn)
    await run(vote.step(working, event_from_message(message), ctx), ctx, turn, state)


async def run(outcome: VoteOutcome, ctx: VoteContext, turn: Turn, state: FSMContext) -> None:
    """Carry out each effect the vote asks for and give it back what came of it, until it has
    something to show; then keep its state and show it."""
    while outcome.effect is not None and outcome.state is not None:
        result, ctx = await carry_out(outcome.effect, ctx, turn)
        outcome = vote.step(outcome.state, result, ctx)
    working = outcome.state
    fsm = vote_fsm(state)
    listener = LISTENERS.get(working.screen) if working is not None else None
    for other in LISTENERS.values():
        if other is not listener:
            await stop_listening(state, other)
    if listener is not None:
        await listen(state, listener)
    if working is None:
        await fsm.set_state(None)
        await fsm.set_data({})
        turn.show(outcome.replies, encode_menu)
        return
    # The state's name says, readably, whether a change waits to be cast (for the campaigns
    # to those with an envelope not cast); what is in the envelope is sealed with the data.
    await fsm.set_state(vote.UNCAST if working.chosen is not None else None)
    await fsm.set_data(dump(working))
    turn.show(outcome.replies, encode_vote(working))


async def carry_out(
    effect: vote.Effect, ctx: VoteContext, turn: Turn
) -> tuple[vote.Result, VoteContext]:
    assert turn.citizen is not None
    voting, edition, edition_id = turn.uow.voting, turn.edition, turn.stored.id
    match effect:
        case vote.CheckIdentity(reference=reference):
            identity_print = await identity_hash(turn, reference)
            try:
                await voting.check_free(edition_id, None, identity_print)
            except PhoneAlreadyUsed as used:
                return vote.IdentityUsed(used.at_stand), ctx
            return vote.IdentityFree(identity_print), ctx
        case vote.Register(district=district, phone=phone, identity_hash=identity):
            fingerprint = await phone_hash(turn, phone) if phone else None
            try:
                await voting.register(
                    edition_id, turn.citizen.id, district, fingerprint, turn.now, identity
                )
            except PhoneAlreadyUsed as used:
                if used.identity:
                    return vote.IdentityUsed(used.at_stand), ctx
                return vote.PhoneUsed(used.at_stand), ctx
            await count(turn, Tally.VOTE_REGISTERED, district)
            if phone:
                await count_registration(turn, phone)
            return vote.Registered(), replace(ctx, registered=True)
        case vote.Cast(project_ids=project_ids):
            voter = await voting.voter(edition_id, turn.citizen.id)
            assert voter is not None, "registered before any envelope is shown"
            try:
                ballot = await voting.cast(
                    edition_id,
                    voter,
                    project_ids,
                    ctx.projects,
                    edition.envelope_cents,
                    edition.vote.allow_empty_ballot,
                    turn.now,
                )
            except BallotError as refused:
                return vote.CastRefused(refused.reason), ctx
            except VoteClosed:
                return vote.CastRefused("closed"), ctx
            # How many cast, per day, channel and district: never what, nor who.
            tally = Tally.VOTE_CAST if ballot.version == 1 else Tally.VOTE_CHANGED
            await count(turn, tally, voter.district)
            await count_cast(turn, voter, ballot)
            view = CastView(ballot.project_ids, ballot.version, ballot.receipt)
            return vote.BallotCast(view), replace(ctx, cast=view)
        case vote.Withdraw():
            voter = await voting.voter(edition_id, turn.citizen.id)
            assert voter is not None
            try:
                withdrawn = await voting.withdraw(edition_id, voter)
            except VoteClosed:
                return vote.CastRefused("closed"), ctx
            if withdrawn:
                await count(turn, Tally.VOTE_WITHDRAWN, voter.district)
            return vote.BallotWithdrawn(), replace(ctx, cast=None)
    raise TypeError(effect)


# -- what the integrity alarms count (budget/integrity.py), in the same unit of work ----------


async def count_cast(turn: Turn, voter: Voter, ballot: CastBallot) -> None:
    """A cast ballot, as the alarms count it: its deep link and district if it is the voter's
    first, its project if it holds one alone and the account is new; never the voter."""
    assert turn.citizen is not None
    integrity = turn.uow.integrity
    consented_at = await integrity.consented_at(turn.citizen.id) or turn.now
    counts = counts_at_cast(
        turn.now,
        first=ballot.version == 1,
        source=turn.citizen.source,
        district=voter.district,
        consented_at=consented_at,
        project_ids=[str(project_id) for project_id in ballot.project_ids],
        thresholds=turn.edition.integrity,
    )
    await integrity.add(turn.stored.id, counts)


async def count_number_tried(turn: Turn, phone: str) -> None:
    """A number shared to register, accepted or not: one more for the account, the first time
    it shares that number."""
    integrity = turn.uow.integrity
    account = integrity.account(turn.user.id)
    new_number = await integrity.tried(turn.stored.id, account, integrity.tag(phone))
    counts = counts_at_phone(
        turn.now,
        account=account,
        block="",
        new_number=new_number,
        registered=False,
        thresholds=turn.edition.integrity,
    )
    await integrity.add(turn.stored.id, counts)


async def count_registration(turn: Turn, phone: str) -> None:
    """A voter registered with this number: one more for its block of 100 numbers."""
    integrity = turn.uow.integrity
    counts = counts_at_phone(
        turn.now,
        account="",
        block=integrity.block(phone),
        new_number=False,
        registered=True,
        thresholds=turn.edition.integrity,
    )
    await integrity.add(turn.stored.id, counts)


async def phone_hash(turn: Turn, phone: str) -> str:
    """The number's fingerprint, keyed with the key outside the database and slow to compute."""
    return await _slow_fingerprint(turn, "phone", phone_fingerprint, phone)


async def identity_hash(turn: Turn, reference: str) -> str:
    """An identity reference's fingerprint (as `budget.eligibility.identity_key` gives it), the
    same online and at a stand: keyed like the phone number's, under a key of its own."""
    return await _slow_fingerprint(turn, "identity", identity_fingerprint, reference)


async def _slow_fingerprint(
    turn: Turn, purpose: str, compute: Callable[[str, bytes, str], str], value: str
) -> str:
    """Worked out in a thread, so that the other chats do not wait for it."""
    sealer = turn.uow.sealer
    if sealer is None:
        raise LookupError(f"the {purpose} fingerprint needs the key (SECRET_KEY_FILE)")
    key = sealer.subkey(purpose)
    return await asyncio.to_thread(compute, value, key, turn.edition.slug)


def encode_vote(working: VoteState) -> Encode:
    return encode_screen(VoteButton, working.token, working.seq)


async def show_ranking(event: Message | CallbackQuery, turn: Turn) -> None:
    """The live standings, where the edition shows them during the vote (and after it)."""
    phase = turn.edition.current_phase(turn.now)
    shown = phase is Phase.RESULTS or (phase is Phase.VOTE and turn.edition.vote.show_ranking)
    if not shown:
        turn.show(Reply("vote.ranking.hidden"))
        return
    projects = await turn.on_ballot()
    votes = await turn.uow.voting.votes(turn.stored.id)
    turnout = await turn.uow.voting.turnout(turn.stored.id)
    ranked = sorted(projects, key=lambda p: (-votes[p.id], p.id))
    texts = [Text("vote.ranking.header", ballots=turnout)]
    texts += [
        Text("vote.ranking.line", rank=rank, title=Localized(p.title), votes=votes[p.id])
        for rank, p in enumerate(ranked, start=1)
    ]
    if not ranked:
        texts.append(Text("vote.list.none"))
    turn.show(Reply(*texts, compact=True, buttons=[[Button("menu.open", MenuAction.MENU)]]))
