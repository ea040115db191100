"""The envelope vote in Telegram: /vote and the menu, the vote's buttons, the phone number
shared through Telegram's contact button, and /ranking."""

import secrets
from dataclasses import replace

from aiogram import F, Router
from aiogram.filters import Command, Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.handlers.common import ask_consent, event_from_message, load_vote, vote_fsm
from bot.runtime.callbacks import MenuButton, VoteButton
from bot.runtime.filters import NotACommand, SharesContact
from bot.runtime.render import Encode
from bot.runtime.turn import Turn, encode_menu
from budget.ballot import BallotError, voter_order
from budget.edition import Phase
from budget.eligibility import phone_fingerprint
from conversations import vote
from conversations.events import ContactIn, Press
from conversations.replies import Button, Localized, Reply, Text
from conversations.vote import CastView, VoteContext, VoteOutcome, VoteState
from storage.voting import PhoneAlreadyUsed, Voter


def router() -> Router:
    router = Router(name="vote")
    router.message.register(open_vote, Command("vote"))
    router.callback_query.register(open_vote, MenuButton.filter(F.action == "vote"))
    router.callback_query.register(press_vote_button, VoteButton.filter())
    router.message.register(share_phone, SharesContact())
    router.message.register(answer_phone_question, NotACommand(), AwaitsPhone())
    router.message.register(show_ranking, Command("ranking"))
    router.callback_query.register(show_ranking, MenuButton.filter(F.action == "ranking"))
    return router


async def vote_context(turn: Turn) -> tuple[VoteContext, Voter | None]:
    assert turn.citizen is not None
    projects = await turn.uow.projects.on_ballot(turn.stored.id)
    voter = await turn.uow.voting.voter(turn.stored.id, turn.citizen.id)
    ballot = await turn.uow.voting.ballot(voter) if voter else None
    cast = CastView(ballot.project_ids, ballot.version, ballot.receipt) if ballot else None
    # Each voter sees the projects in an order of their own, the same each time.
    ordered = voter_order(projects, seed=turn.stored.id * 1_000_003 + turn.citizen.id)
    context = VoteContext(turn.edition, turn.now, tuple(ordered), voter is not None, cast)
    return context, voter


async def open_vote(event: Message | CallbackQuery, turn: Turn, state: FSMContext) -> None:
    if turn.citizen is None:
        ask_consent(turn, "")
        return
    ctx, _ = await vote_context(turn)
    outcome = vote.open_vote(await load_vote(state), ctx, secrets.token_hex(3))
    await apply(outcome, ctx, turn, state)


async def press_vote_button(
    query: CallbackQuery, callback_data: VoteButton, turn: Turn, state: FSMContext
) -> None:
    working = await load_vote(state)
    if turn.citizen is None or working is None:
        turn.show(Reply("vote.error.old_button", notice=True))
        return
    ctx, _ = await vote_context(turn)
    press = Press(callback_data.action, callback_data.arg, callback_data.token, callback_data.seq)
    await apply(vote.step(working, press, ctx), ctx, turn, state)


async def share_phone(message: Message, turn: Turn, state: FSMContext) -> None:
    working = await load_vote(state)
    if turn.citizen is None or working is None or message.contact is None:
        turn.show(Reply("vote.phone.unexpected", drop_keyboard=True))
        return
    contact = message.contact
    own = contact.user_id is not None and contact.user_id == turn.user.id
    ctx, _ = await vote_context(turn)
    await apply(vote.step(working, ContactIn(contact.phone_number, own), ctx), ctx, turn, state)


class AwaitsPhone(Filter):
    """The voter was asked for their phone number and has not shared it yet."""

    async def __call__(self, message: Message, state: FSMContext) -> bool:
        working = await load_vote(state)
        return working is not None and working.screen is vote.Screen.PHONE


async def answer_phone_question(message: Message, turn: Turn, state: FSMContext) -> None:
    """Anything but the contact button, where the phone number is asked: ask again."""
    working = await load_vote(state)
    if turn.citizen is None or working is None:
        return
    ctx, _ = await vote_context(turn)
    await apply(vote.step(working, event_from_message(message), ctx), ctx, turn, state)


async def apply(outcome: VoteOutcome, ctx: VoteContext, turn: Turn, state: FSMContext) -> None:
    """Carry out what the vote asks (register, cast, withdraw), then show its screens."""
    assert turn.citizen is not None
    working, replies = outcome.state, list(outcome.replies)
    edition = turn.edition
    if outcome.register is not None:
        phone = outcome.register.phone
        try:
            await turn.uow.voting.register(
                turn.stored.id,
                turn.citizen.id,
                outcome.register.district,
                phone_fingerprint(phone, edition.slug) if phone else None,
                turn.now,
            )
        except PhoneAlreadyUsed:
            working, replies = None, [Reply("vote.phone.used", drop_keyboard=True)]
    voter = await turn.uow.voting.voter(turn.stored.id, turn.citizen.id)
    if outcome.cast is not None and working is not None and voter is not None:
        try:
            ballot = await turn.uow.voting.cast(
                turn.stored.id,
                voter,
                outcome.cast,
                ctx.projects,
                edition.envelope_cents,
                edition.vote.allow_empty_ballot,
                turn.now,
            )
        except BallotError as refused:
            working.chosen = [p.id for p in ctx.projects if p.id in set(working.chosen)]
            replies = [Reply(f"vote.cast.refused.{refused.reason}", notice=True)]
        else:
            view = CastView(ballot.project_ids, ballot.version, ballot.receipt)
            ctx = replace(ctx, cast=view)
            replies = [vote.screen(working, ctx), vote.receipt(view, ctx)]
    if outcome.withdraw and working is not None and voter is not None:
        await turn.uow.voting.withdraw(voter)
        ctx = replace(ctx, cast=None)
        replies = [vote.screen(working, ctx), Reply("vote.withdrawn")]
    fsm = vote_fsm(state)
    if working is None:
        await fsm.set_data({})
        turn.show(replies, encode_menu)
    else:
        await fsm.set_data(working.to_dict())
        turn.show(replies, encode_vote(working))


def encode_vote(working: VoteState) -> Encode:
    def encode(button: Button) -> str:
        if button.action in {"menu", "vote", "want_results"}:
            return encode_menu(button)
        return VoteButton(
            token=working.token, seq=working.seq, action=button.action, arg=button.arg
        ).pack()

    return encode


async def show_ranking(event: Message | CallbackQuery, turn: Turn) -> None:
    """The live standings, where the edition shows them during the vote (and after it)."""
    phase = turn.edition.current_phase(turn.now)
    shown = phase is Phase.RESULTS or (phase is Phase.VOTE and turn.edition.vote.show_ranking)
    if not shown:
        turn.show(Reply("vote.ranking.hidden"))
        return
    projects = await turn.uow.projects.on_ballot(turn.stored.id)
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
    turn.show(Reply(*texts, compact=True, buttons=[[Button("menu.open", "menu")]]))
