"""Follow-up questionnaires, as several parts of the bot need them: sending one to authors, the
answers in progress kept in the chat's state, and the answers shown on the staff idea card."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from aiogram.enums import ParseMode
from aiogram.fsm.context import FSMContext
from aiogram.methods import SendDocument, SendPhoto

from bot.runtime.callbacks import (
    Encode,
    FollowUpButton,
    FollowUpFormButton,
    encode_menu,
    encode_screen,
)
from bot.runtime.fsm_storage import QUESTIONNAIRE_DESTINY, destiny_state
from bot.runtime.turn import Turn
from budget.edition import Edition, QuestionKind, Questionnaire
from budget.serialise import dump, load
from conversations.follow_up_form import (
    AnswerAction,
    AnswerContext,
    AnswerState,
    answer_value,
    deadline_of,
    invitation,
    last_day,
)
from conversations.replies import Button, Localized, Reply, Text
from storage.follow_ups import Author, FollowUp
from storage.unit_of_work import UnitOfWork

# Telegram takes 4 096 characters a message; room is kept for the question and the markup.
MESSAGE_ROOM = 3500
QUESTION_ROOM = 300


# -- sending --------------------------------------------------------------------------------


async def send_questionnaire(
    turn: Turn, questionnaire: Questionnaire, authors: Sequence[Author], day: date
) -> list[int]:
    """Send `questionnaire` to the authors of these ideas, answers due by the end of `day`;
    those who had it already are left alone. Return the ideas it was new for."""
    new = await turn.uow.follow_ups.send(
        [author.idea_id for author in authors],
        questionnaire.code,
        deadline_of(day, turn.edition.zone),
        turn.user.id,
        turn.now,
    )
    told = set(new)
    for author in authors:
        if author.idea_id not in told:
            continue
        await turn.uow.audit.record(
            turn.user.id,
            "followup_sent",
            f"idea:{author.idea_id}",
            turn.now,
            after={"questionnaire": questionnaire.code, "last_day": day.isoformat()},
        )
        turn.show(
            invitation(questionnaire, author.idea_id, author.title, day),
            encode_answer(None, author.idea_id, questionnaire.code),
            lang=author.language,
            chat_id=author.telegram_id,
        )
    return new


def encode_answer(working: AnswerState | None, idea: int, questionnaire: str) -> Encode:
    """Buttons of a questionnaire's messages: "answer" (re)opens it from any message, the
    others belong to the screen on show."""

    screen = encode_screen(FollowUpFormButton, working.token, working.seq) if working else None

    def encode(button: Button) -> str:
        if button.action is AnswerAction.ANSWER:
            return FollowUpButton(action="answer", idea=idea, questionnaire=questionnaire).pack()
        if screen is None:
            return encode_menu(button)
        return screen(button)

    return encode


# -- answers in progress --------------------------------------------------------------------


@dataclass
class Answering:
    """The questionnaires a citizen is answering, by follow-up, and the one that takes what
    they type (None when they chose to finish later, or left for the idea form)."""

    forms: dict[int, AnswerState] = field(default_factory=dict)
    active: int | None = None

    def by_token(self, token: str) -> AnswerState | None:
        return next((form for form in self.forms.values() if form.token == token), None)

    def typing_into(self) -> AnswerState | None:
        form = self.forms.get(self.active) if self.active is not None else None
        return form if form is not None and not form.paused else None

    def keep(self, follow_up: int, working: AnswerState | None) -> None:
        if working is None:
            self.forms.pop(follow_up, None)
        else:
            self.forms[follow_up] = working
        if working is not None and not working.paused:
            self.active = follow_up
        elif self.active == follow_up:
            self.active = None


def answering_fsm(state: FSMContext) -> FSMContext:
    return destiny_state(state, QUESTIONNAIRE_DESTINY)


async def load_answering(state: FSMContext) -> Answering:
    data = await answering_fsm(state).get_data()
    return load(Answering, data) if data else Answering()


async def save_answering(state: FSMContext, answering: Answering) -> None:
    await answering_fsm(state).set_data(dump(answering) if answering.forms else {})


async def answer_context(turn: Turn, follow_up: FollowUp) -> AnswerContext | None:
    """What answering needs to know; None when the idea or the questionnaire is gone."""
    idea = await turn.uow.ideas.get(follow_up.idea_id)
    questionnaire = turn.edition.questionnaire(follow_up.questionnaire)
    if idea is None or idea.edition_id != turn.stored.id or questionnaire is None:
        return None
    edition = turn.edition
    return AnswerContext(
        questionnaire=questionnaire,
        idea=idea.id,
        title=idea.title,
        deadline=follow_up.deadline,
        zone=edition.zone,
        currency=edition.currency,
        now=turn.now,
    )


# -- staff see the answers ------------------------------------------------------------------


async def answers_for_card(uow: UnitOfWork, edition: Edition, idea_id: int) -> list[Text]:
    """The lines the staff idea card shows: each questionnaire sent for the idea, waiting or
    answered, with its answers (question: answer)."""
    lines: list[Text] = []
    for follow_up in await uow.follow_ups.of_idea(idea_id):
        questionnaire = edition.questionnaire(follow_up.questionnaire)
        if questionnaire is None:
            continue
        title = Localized(questionnaire.title)
        if follow_up.answered_at is None:
            day = last_day(follow_up.deadline, edition.zone)
            lines.append(Text("followup.card.waiting", questionnaire=title, day=day))
            continue
        answered_on = follow_up.answered_at.astimezone(edition.zone).date()
        lines.append(Text("followup.card.answered", questionnaire=title, day=answered_on))
        lines += [
            Text(
                "followup.card.line",
                question=Localized(question.text),
                value=answer_value(question, follow_up.answers[question.code], edition.currency),
            )
            for question in questionnaire.questions
            if question.code in follow_up.answers
        ]
    return lines


async def tell_sender(
    turn: Turn, follow_up: FollowUp, ctx: AnswerContext, answers: Mapping[str, Any]
) -> None:
    """The staff member who sent the questionnaire gets the answers, documents included: a file
    the author sent is only a Telegram file id, which staff can open nowhere else."""
    staff = await turn.uow.citizens.by_telegram_id(follow_up.sent_by)
    lang = staff.language if staff else turn.edition.languages[0]
    questions = [q for q in ctx.questionnaire.questions if q.code in answers]
    header = Text(
        "followup.answered.staff",
        number=ctx.idea,
        title=ctx.title,
        questionnaire=Localized(ctx.questionnaire.title),
    )
    # Whole answers, over as many messages as Telegram's length limit needs.
    messages: list[list[Text]] = [[header]]
    size = 0
    for question in questions:
        value = answers[question.code]
        line = Text(
            "followup.card.line",
            question=Localized(question.text),
            value=answer_value(question, value, ctx.currency, whole=True),
        )
        length = len(str(value)) + QUESTION_ROOM
        if size + length > MESSAGE_ROOM:
            messages.append([])
            size = 0
        messages[-1].append(line)
        size += length
    for texts in messages:
        turn.show(Reply(*texts, compact=True), lang=lang, chat_id=follow_up.sent_by)
    for question in questions:
        value = answers[question.code]
        if question.kind is not QuestionKind.DOCUMENT or not isinstance(value, dict):
            continue
        caption = turn.renderer.text(
            Text("followup.document.caption", number=ctx.idea, question=Localized(question.text)),
            lang,
        )
        chat_id, file_id = follow_up.sent_by, value["file_id"]
        if value.get("kind") == "photo":
            turn.send(
                SendPhoto(
                    chat_id=chat_id, photo=file_id, caption=caption, parse_mode=ParseMode.HTML
                )
            )
        else:
            turn.send(
                SendDocument(
                    chat_id=chat_id, document=file_id, caption=caption, parse_mode=ParseMode.HTML
                )
            )
