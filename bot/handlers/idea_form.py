"""The idea form in Telegram: updates become events for `conversations.idea_form`, its
replies become messages, and a published draft becomes an idea, or replaces the idea its
author opened again to change it."""

import logging
import secrets
from dataclasses import fields
from typing import Any

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.deep_linking import create_start_link

from bot.handlers.common import ask_consent, count, event_from_message, form_fsm, show_menu
from bot.runtime.callbacks import Encode, FormButton, MenuButton, encode_menu, encode_screen
from bot.runtime.filters import NotACommand
from bot.runtime.listening import listen, stop_listening
from bot.runtime.turn import Turn
from budget.channels import SHARED_IDEA_PREFIX
from budget.districts import district_at, district_of
from budget.figures import Tally
from budget.ideas import AUTHOR_MAY_EDIT, AuthorKind, IdeaStatus
from budget.roles import Role
from budget.serialise import dump, load
from conversations import idea_form, moderation
from conversations.events import (
    Press,
    button_number,
)
from conversations.idea_form import Attachment, Draft, FormContext, FormOutcome, FormState
from conversations.menu import MenuAction
from conversations.moderation import Decision, Kind
from conversations.replies import Button, Localized, Money, Reply, Text
from conversations.welcome import Destination
from storage.ideas import NewIdea
from storage.tables import IdeaRow

logger = logging.getLogger(__name__)


def router() -> Router:
    router = Router(name="idea_form")
    router.callback_query.register(
        open_form, MenuButton.filter(F.action.in_({MenuAction.DEPOSIT, MenuAction.CONTINUE}))
    )
    router.callback_query.register(edit_idea, MenuButton.filter(F.action == MenuAction.EDIT_IDEA))
    router.callback_query.register(press_form_button, FormButton.filter())
    router.message.register(answer_question, IdeaForm.answering, NotACommand())
    return router


class IdeaForm(StatesGroup):
    """A citizen answering the idea form's questions: titles, descriptions, documents, a place,
    an amount, an image."""

    answering = State()


async def load_form(state: FSMContext) -> FormState | None:
    data = await form_fsm(state).get_data()
    return load(FormState, data) if data else None


def form_context(turn: Turn) -> FormContext:
    return FormContext(edition=turn.edition, now=turn.now)


async def open_form(query: CallbackQuery, turn: Turn, state: FSMContext, bot: Bot) -> None:
    if turn.citizen is None:
        ask_consent(turn, "", then=Destination.DEPOSIT)
        return
    form = await load_form(state)
    if form is None:
        outcome = idea_form.start(form_context(turn), token=secrets.token_hex(3))
        if outcome.state is not None:
            await count(turn, Tally.IDEA_STARTED)
    else:
        outcome = idea_form.resume(form, form_context(turn))
    await apply(outcome, turn, state, bot)


async def edit_idea(
    query: CallbackQuery, callback_data: MenuButton, turn: Turn, state: FSMContext, bot: Bot
) -> None:
    """The author opens an idea moderation has not published yet, to change it."""
    if turn.citizen is None:
        ask_consent(turn, "")
        return
    number = button_number(callback_data.arg) or 0
    row = await turn.uow.ideas.get(number)
    if row is None or row.citizen_id != turn.citizen.id or row.edition_id != turn.stored.id:
        turn.show(Reply("error.invalid_button", notice=True))
        return
    if row.status not in AUTHOR_MAY_EDIT:
        status = Text(f"status.{row.status}")
        turn.show(Reply("moderation.edit.too_late", number=number, status=status, notice=True))
        return
    form = await load_form(state)
    if form is not None and form.idea_id == number:
        await apply(idea_form.resume(form, form_context(turn)), turn, state, bot)
        return
    if form is not None:
        # One draft at a time: opening this idea would overwrite the one waiting.
        continue_draft = [[Button("menu.continue", "continue")]]
        turn.show(Reply("moderation.edit.other_draft", buttons=continue_draft))
        return
    token = secrets.token_hex(3)
    await apply(idea_form.edit(form_context(turn), token, draft_of(row), number), turn, state, bot)


def draft_of(row: IdeaRow) -> Draft:
    """An idea's answers as the form holds them (a draft's fields are the idea's columns)."""
    answers = {f.name: getattr(row, f.name) for f in fields(Draft) if f.name != "attachments"}
    answers["author_kind"] = AuthorKind(row.author_kind)
    answers["checklist"] = dict(row.checklist or {})
    attachments = [Attachment(a.file_id, a.file_name, a.kind) for a in row.attachments]
    return Draft(**answers, attachments=attachments)


async def resume_form(turn: Turn, state: FSMContext, bot: Bot) -> None:
    form = await load_form(state)
    if form is not None:
        await apply(idea_form.resume(form, form_context(turn)), turn, state, bot)


async def answer_question(message: Message, turn: Turn, state: FSMContext, bot: Bot) -> None:
    form = await load_form(state)
    if form is None:
        await stop_listening(state)
        await show_menu(turn, state)
        return
    outcome = idea_form.step(form, event_from_message(message), form_context(turn))
    await apply(outcome, turn, state, bot)


async def press_form_button(
    query: CallbackQuery, callback_data: FormButton, turn: Turn, state: FSMContext, bot: Bot
) -> None:
    form = await load_form(state)
    if form is None:
        turn.show(Reply("form.error.closed_draft", notice=True))
        return
    press = Press(callback_data.action, callback_data.arg, callback_data.token, callback_data.seq)
    await apply(idea_form.step(form, press, form_context(turn)), turn, state, bot)


async def apply(outcome: FormOutcome, turn: Turn, state: FSMContext, bot: Bot) -> None:
    """Carry out what the form asks (publish), give it back what came of it, then keep its
    state and show what it says."""
    while outcome.effect is not None and outcome.state is not None:
        effect = outcome.effect
        result = await (
            resubmit(effect.idea_id, effect.draft, turn)
            if effect.idea_id is not None
            else publish(effect.draft, turn, bot)
        )
        outcome = idea_form.step(outcome.state, result, form_context(turn))
    if outcome.first_preview:
        await count(turn, Tally.IDEA_PREVIEWED)
    replies = outcome.replies
    if outcome.state is None:
        await form_fsm(state).set_data({})
        await stop_listening(state, IdeaForm.answering)
        turn.show(replies, encode_menu)
        return
    # Opened (or continued) just now: what is typed is the form's from here on.
    await listen(state, IdeaForm.answering)
    await form_fsm(state).set_data(dump(outcome.state))
    turn.show(replies, encode_form(outcome.state))


def encode_form(form: FormState) -> Encode:
    return encode_screen(FormButton, form.token, form.seq)


async def publish(draft: Draft, turn: Turn, bot: Bot) -> idea_form.Result:
    assert turn.citizen is not None
    district = district_of(draft.address, turn.edition) or district_at(
        draft.latitude, draft.longitude, turn.edition
    )
    idea = await turn.uow.ideas.submit(
        turn.stored.id, turn.citizen.id, new_idea(draft), turn.now, district=district
    )
    await count(turn, Tally.IDEA_SUBMITTED, district)
    await tell_staff(turn, idea.id, draft)
    return idea_form.Published(idea.id, await idea_link(bot, idea.share_code))


async def idea_link(bot: Bot, share_code: str) -> str:
    """The link that opens an idea in the bot, to share it: it carries the idea's share code,
    which nobody can guess, rather than its number."""
    return await create_start_link(bot, f"{SHARED_IDEA_PREFIX}{share_code}")


async def resubmit(number: int, draft: Draft, turn: Turn) -> idea_form.Result:
    """The author's changes replace the idea, which waits for moderation again."""
    assert turn.citizen is not None
    district = district_of(draft.address, turn.edition) or district_at(
        draft.latitude, draft.longitude, turn.edition
    )
    before = await turn.uow.ideas.resubmit(number, turn.citizen.id, new_idea(draft), district)
    if before is None:
        row = await turn.uow.ideas.get(number)
        return idea_form.DecidedMeanwhile(number, row.status if row else IdeaStatus.REJECTED.value)
    if before is IdeaStatus.CHANGES_ASKED:
        await tell_moderator(turn, number, draft.title or "")
    return idea_form.Replaced(number)


async def tell_moderator(turn: Turn, number: int, title: str) -> None:
    """Whoever asked for the changes learns they are made."""
    asked = [
        entry
        for entry in await turn.uow.audit.of(f"idea:{number}")
        if entry.action == moderation.audited_as(Kind.IDEA, Decision.CHANGES)
    ]
    if not asked:
        return
    moderator = asked[-1].actor
    known = await turn.uow.citizens.by_telegram_id(moderator)
    lang = known.language if known else turn.edition.languages[0]
    turn.show(moderation.tell_moderator_changed(number, title), lang=lang, chat_id=moderator)


def new_idea(draft: Draft) -> NewIdea:
    # The form publishes only a complete draft (see idea_form._publish).
    assert draft.author_kind is not None
    assert draft.title is not None
    assert draft.description is not None
    assert draft.theme is not None
    assert draft.budget_cents is not None
    answers = {f.name: getattr(draft, f.name) for f in fields(NewIdea) if f.name != "attachments"}
    return NewIdea(
        **answers | {"author_kind": draft.author_kind.value, "checklist": draft.checklist or None},
        attachments=[(a.kind, a.file_id, a.file_name) for a in draft.attachments],
    )


async def tell_staff(turn: Turn, number: int, draft: Draft) -> None:
    """The admins of the settings and the moderators are told of each new idea."""
    moderators = await turn.uow.staff.members(Role.MODERATOR.value)
    staff_ids = sorted({*turn.settings.staff_ids, *moderators})
    if not staff_ids:
        return
    known = await turn.uow.citizens.by_telegram_ids(staff_ids)
    theme = turn.edition.theme(draft.theme or "")
    author: Any = Text("staff.author.myself")
    if draft.author_kind is not AuthorKind.MYSELF:
        author = Text(f"staff.author.{draft.author_kind}", name=draft.organisation or "")
    notice = Reply(
        "staff.new_idea",
        number=number,
        title=draft.title or "",
        theme=Localized(theme.label) if theme else "",
        budget=Money(draft.budget_cents or 0, turn.edition.currency),
        author=author,
    )
    for staff_id in staff_ids:
        citizen = known.get(staff_id)
        lang = citizen.language if citizen else turn.edition.languages[0]
        turn.show(notice, lang=lang, chat_id=staff_id)
