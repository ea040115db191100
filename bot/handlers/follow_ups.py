"""Follow-up questionnaires: staff send them (/followup, or the button on the idea card), authors
answer them one question at a time, and staff see who answered (/followup status)."""

import re
import secrets
from collections.abc import Iterable
from datetime import date, timedelta

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.handlers.common import ask_consent, event_from_message, show_menu
from bot.handlers.questionnaires import (
    Answering,
    answer_context,
    encode_answer,
    load_answering,
    save_answering,
    send_questionnaire,
    tell_sender,
)
from bot.runtime.callbacks import FollowUpButton, FollowUpFormButton, MenuButton
from bot.runtime.filters import NotACommand
from bot.runtime.listening import listen, stop_listening
from bot.runtime.staff_access import StaffCommand, is_allowed, refuse_button
from bot.runtime.turn import Turn
from budget.edition import Questionnaire
from budget.ideas import IdeaStatus
from budget.roles import Role
from conversations import follow_up_form
from conversations.events import Event, Press, button_number
from conversations.follow_up_form import (
    AnswerContext,
    AnswerOutcome,
    AnswerState,
    default_last_day,
    last_day,
)
from conversations.menu import MenuAction
from conversations.replies import Localized, Reply, Text
from storage.follow_ups import FollowUp

SENDERS = (Role.ANALYST, Role.MODERATOR)
# Every status an idea row can have (a draft is not one yet).
STATUSES = tuple(status.value for status in IdeaStatus if status is not IdeaStatus.DRAFT)
DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
# A questionnaire answers questions about this edition; a later day is a typo (and one near
# 9999-12-31 would overflow when the deadline is computed).
DAYS_AHEAD_MAX = timedelta(days=366)
# Idea numbers are 32-bit in the database; a forged button may name any number at all.
IDEA_MAX = 2**31 - 1


def router() -> Router:
    router = Router(name="follow_ups")
    router.message.register(manage_follow_ups, Command("followup"), StaffCommand(*SENDERS))
    router.callback_query.register(send_from_card, FollowUpButton.filter(F.action == "send"))
    router.callback_query.register(open_answers, FollowUpButton.filter(F.action == "answer"))
    router.callback_query.register(
        open_waiting_answers, MenuButton.filter(F.action == MenuAction.ANSWER)
    )
    router.callback_query.register(press_answer_button, FollowUpFormButton.filter())
    router.message.register(answer_question, QuestionnaireAnswers.answering, NotACommand())
    return router


class QuestionnaireAnswers(StatesGroup):
    """An author answering a follow-up questionnaire, one question at a time."""

    answering = State()


# -- staff ----------------------------------------------------------------------------------


async def manage_follow_ups(message: Message, command: CommandObject, turn: Turn) -> None:
    match (command.args or "").split():
        case ["send", code, status]:
            await send_by_status(turn, code, status, None)
        case ["send", code, status, day]:
            await send_by_status(turn, code, status, day)
        case ["status", code]:
            await show_status(turn, code)
        case _:
            turn.show(
                Reply(
                    "followup.usage",
                    questionnaires=_codes(turn.edition.questionnaires),
                    statuses=", ".join(STATUSES),
                )
            )


def _codes(questionnaires: Iterable[Questionnaire]) -> str:
    return ", ".join(q.code for q in questionnaires) or "—"


def _numbers(ideas: Iterable[int]) -> str:
    return ", ".join(str(idea) for idea in ideas) or "—"


def known_questionnaire(turn: Turn, code: str) -> Questionnaire | None:
    """The edition's questionnaire `code`; if there is none, staff are told which there are."""
    questionnaire = turn.edition.questionnaire(code)
    if questionnaire is None:
        questionnaires = turn.edition.questionnaires
        if questionnaires:
            turn.show(
                Reply(
                    "followup.unknown_questionnaire",
                    code=code,
                    questionnaires=_codes(questionnaires),
                )
            )
        else:
            turn.show(Reply("followup.no_questionnaires"))
    return questionnaire


def chosen_day(turn: Turn, typed: str | None) -> date | None:
    """The last day for answers staff typed (today at the earliest), or the default one."""
    if typed is None:
        return default_last_day(turn.edition, turn.now)
    try:
        day = date.fromisoformat(typed) if DAY.fullmatch(typed) else None
    except ValueError:
        day = None
    if day is None:
        turn.show(Reply("followup.bad_day", typed=typed))
        return None
    today = turn.now.astimezone(turn.edition.zone).date()
    if day < today:
        turn.show(Reply("followup.past_day", day=day))
        return None
    if day > today + DAYS_AHEAD_MAX:
        turn.show(Reply("followup.far_day", day=day))
        return None
    return day


async def send_by_status(turn: Turn, code: str, status: str, typed_day: str | None) -> None:
    questionnaire = known_questionnaire(turn, code)
    if questionnaire is None:
        return
    if status not in STATUSES:
        turn.show(Reply("followup.unknown_status", status=status, statuses=", ".join(STATUSES)))
        return
    day = chosen_day(turn, typed_day)
    if day is None:
        return
    authors = await turn.uow.follow_ups.authors(turn.stored.id, status=status)
    if not authors:
        turn.show(Reply("followup.nobody", status=Text(f"status.{status}")))
        return
    new = await send_questionnaire(turn, questionnaire, authors, day)
    title = Localized(questionnaire.title)
    if not new:
        turn.show(Reply("followup.sent.none_new", questionnaire=title, count=len(authors)))
        return
    turn.show(
        Reply(
            "followup.sent.many",
            questionnaire=title,
            count=len(new),
            numbers=_numbers(new),
            already=len(authors) - len(new),
            day=day,
        )
    )


async def send_from_card(query: CallbackQuery, callback_data: FollowUpButton, turn: Turn) -> None:
    """📋 on the staff idea card: this idea's author gets the questionnaire."""
    idea = callback_data.idea
    if not await is_allowed(turn, *SENDERS):
        await refuse_button(turn, f"idea:{idea}")
        return
    questionnaire = turn.edition.questionnaire(callback_data.questionnaire)
    known = 0 < idea <= IDEA_MAX
    authors = await turn.uow.follow_ups.authors(turn.stored.id, idea_id=idea) if known else []
    if questionnaire is None or not authors:
        turn.show(Reply("followup.error.invalid_button", notice=True))
        return
    day = default_last_day(turn.edition, turn.now)
    title = Localized(questionnaire.title)
    if await send_questionnaire(turn, questionnaire, authors, day):
        turn.show(Reply("followup.sent.one", questionnaire=title, number=idea, day=day))
        return
    sent = await turn.uow.follow_ups.get(idea, questionnaire.code)
    assert sent is not None
    zone = turn.edition.zone
    key = "followup.sent.answered" if sent.answered_at else "followup.sent.before"
    turn.show(
        Reply(
            key,
            questionnaire=title,
            number=idea,
            sent=sent.sent_at.astimezone(zone).date(),
            day=last_day(sent.deadline, zone),
        )
    )


async def show_status(turn: Turn, code: str) -> None:
    questionnaire = known_questionnaire(turn, code)
    if questionnaire is None:
        return
    sent = await turn.uow.follow_ups.of_questionnaire(turn.stored.id, code)
    title = Localized(questionnaire.title)
    if not sent:
        turn.show(Reply("followup.status.none", questionnaire=title))
        return
    answered = [s.follow_up.idea_id for s in sent if s.follow_up.answered_at is not None]
    unanswered = [s.follow_up for s in sent if s.follow_up.answered_at is None]
    waiting = [f.idea_id for f in unanswered if turn.now < f.deadline]
    late = [f.idea_id for f in unanswered if turn.now >= f.deadline]
    texts = [
        Text("followup.status.header", questionnaire=title),
        Text("followup.status.sent", count=len(sent)),
        Text("followup.status.answered", count=len(answered), numbers=_numbers(answered)),
        Text("followup.status.waiting", count=len(waiting), numbers=_numbers(waiting)),
    ]
    if late:
        texts.append(Text("followup.status.late", count=len(late), numbers=_numbers(late)))
    turn.show(Reply(*texts, compact=True))


# -- authors --------------------------------------------------------------------------------


async def open_answers(
    query: CallbackQuery, callback_data: FollowUpButton, turn: Turn, state: FSMContext
) -> None:
    """The author's way in: "Answer now" under the invitation or the reminder, "Continue"
    after a pause."""
    await answer_questionnaire(turn, state, callback_data.idea, callback_data.questionnaire)


async def open_waiting_answers(
    query: CallbackQuery, callback_data: MenuButton, turn: Turn, state: FSMContext
) -> None:
    """The other way in, from /myideas or the menu, for an author who lost the invitation."""
    idea, _, questionnaire = callback_data.arg.partition(".")
    await answer_questionnaire(turn, state, button_number(idea) or 0, questionnaire)


async def answer_questionnaire(
    turn: Turn, state: FSMContext, idea_id: int, questionnaire: str
) -> None:
    if turn.citizen is None:
        ask_consent(turn, "")
        return
    if not 0 < idea_id <= IDEA_MAX:
        turn.show(Reply("followup.error.invalid_button", notice=True))
        return
    follow_up = await turn.uow.follow_ups.get(idea_id, questionnaire)
    idea = await turn.uow.ideas.get(idea_id)
    if follow_up is None or idea is None or idea.citizen_id != turn.citizen.id:
        turn.show(Reply("followup.error.invalid_button", notice=True))
        return
    ctx = await answer_context(turn, follow_up)
    if ctx is None:
        turn.show(Reply("followup.gone"))
        return
    if follow_up.answered_at is not None:
        day = follow_up.answered_at.astimezone(turn.edition.zone).date()
        turn.show(Reply("followup.already_answered", day=day))
        return
    answering = await load_answering(state)
    working = answering.forms.get(follow_up.id)
    if working is None:
        outcome = follow_up_form.start(ctx, secrets.token_hex(3), follow_up.id)
    else:
        outcome = follow_up_form.resume(working, ctx)
    await apply(outcome, follow_up, ctx, answering, turn, state)


async def press_answer_button(
    query: CallbackQuery, callback_data: FollowUpFormButton, turn: Turn, state: FSMContext
) -> None:
    answering = await load_answering(state)
    working = answering.by_token(callback_data.token)
    if turn.citizen is None or working is None:
        turn.show(Reply("followup.error.closed", notice=True))
        return
    press = Press(callback_data.action, callback_data.arg, callback_data.token, callback_data.seq)
    await take(working, press, answering, turn, state)


async def answer_question(message: Message, turn: Turn, state: FSMContext) -> None:
    answering = await load_answering(state)
    working = answering.typing_into()
    if turn.citizen is None or working is None:
        await stop_listening(state)
        await show_menu(turn, state)
        return
    await take(working, event_from_message(message), answering, turn, state)


async def take(
    working: AnswerState,
    event: Event,
    answering: Answering,
    turn: Turn,
    state: FSMContext,
) -> None:
    follow_up = await turn.uow.follow_ups.by_id(working.follow_up)
    ctx = await answer_context(turn, follow_up) if follow_up else None
    if follow_up is None or ctx is None or follow_up.answered_at is not None:
        # Answered from another device, or the questionnaire left the edition.
        answering.keep(working.follow_up, None)
        await save_answering(state, answering)
        turn.show(Reply("followup.error.closed", notice=isinstance(event, Press)))
        return
    await apply(follow_up_form.step(working, event, ctx), follow_up, ctx, answering, turn, state)


async def apply(
    outcome: AnswerOutcome,
    follow_up: FollowUp,
    ctx: AnswerContext,
    answering: Answering,
    turn: Turn,
    state: FSMContext,
) -> None:
    """Store sent answers, tell the staff member who asked and feed the result back; keep the
    answers in progress."""
    if outcome.effect is not None and outcome.state is not None:
        answers = outcome.effect.answers
        result: follow_up_form.Result = follow_up_form.AnswersRefused()
        if await turn.uow.follow_ups.answer(follow_up.id, answers, turn.now):
            await tell_sender(turn, follow_up, ctx, answers)
            result = follow_up_form.AnswersKept()
        outcome = follow_up_form.step(outcome.state, result, ctx)
    replies = outcome.replies
    working = outcome.state
    if working is not None and not working.paused:
        # The idea form's draft, if any, waits behind "Continue my idea" meanwhile.
        await listen(state, QuestionnaireAnswers.answering)
    else:
        await stop_listening(state, QuestionnaireAnswers.answering)
    answering.keep(follow_up.id, working)
    await save_answering(state, answering)
    turn.show(replies, encode_answer(working, follow_up.idea_id, follow_up.questionnaire))
