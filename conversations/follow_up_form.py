"""A follow-up questionnaire, answered by an idea's author: one question at a time, a summary
where any answer can be changed, then send.

A plain state machine like the idea form: `start` opens the answers, `step` takes one event and
returns the new state with the replies to show. Sending asks the caller to store the answers
(`AnswerOutcome.effect`), which feeds back whether they were taken (`AnswersKept`,
`AnswersRefused`). Every step checks the deadline.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from budget.edition import Edition, Phase, Question, QuestionKind, Questionnaire
from budget.ideas import LONG_TEXT_MAX
from budget.money import CENTS_PER_UNIT, AmountError, parse_amount
from conversations.events import DocumentIn, Event, PhotoIn, Press, TextIn
from conversations.menu import MenuAction
from conversations.replies import Button, Localized, Money, Outcome, Reply, Text

# Without a date from staff, the author has until the end of the analysis, or two weeks.
DEFAULT_DAYS = 14
# The reminder goes out in the morning two days before the last day, not at midnight.
REMIND_DAYS_BEFORE = 2
REMIND_AT = time(10)
QUESTION_ON_BUTTON = 28
# The summary shows every answer in one message, which Telegram cuts at 4 096 characters: long
# texts are shortened there (staff get them whole in the export).
SHOWN_TEXT_MAX = 300

# What each kind of question tells an author who sent something it cannot take.
EXPECTED = {
    QuestionKind.TEXT: "followup.error.text_expected",
    QuestionKind.NUMBER: "followup.number.expected",
    QuestionKind.AMOUNT: "followup.amount.expected",
    QuestionKind.YES_NO: "followup.error.use_buttons",
    QuestionKind.CHOICE: "followup.error.use_buttons",
    QuestionKind.DOCUMENT: "followup.document.expected",
}


# -- deadlines ------------------------------------------------------------------------------


def deadline_of(day: date, zone: ZoneInfo) -> datetime:
    """The moment answers stop being taken: the end of `day` where the edition is."""
    return datetime.combine(day + timedelta(days=1), time(0), zone)


def last_day(deadline: datetime, zone: ZoneInfo) -> date:
    """The last day answers are taken, as the author is told it."""
    return (deadline - timedelta(microseconds=1)).astimezone(zone).date()


def default_last_day(edition: Edition, now: datetime) -> date:
    """The analysis phase's last day if it is still to come, else two weeks from today."""
    today = now.astimezone(edition.zone).date()
    analysis_ends = edition.last_day(Phase.ANALYSIS)
    if analysis_ends is not None and analysis_ends >= today:
        return analysis_ends
    return today + timedelta(days=DEFAULT_DAYS)


def remind_from(deadline: datetime, zone: ZoneInfo) -> datetime:
    """When the reminder is due: the morning, two days before the last day."""
    day = last_day(deadline, zone) - timedelta(days=REMIND_DAYS_BEFORE)
    return datetime.combine(day, REMIND_AT, zone)


# -- the state ------------------------------------------------------------------------------


class AnswerAction(StrEnum):
    """What a questionnaire's buttons ask for; the encoder accepts nothing else."""

    ANSWER = "answer"
    YES_NO = "yes_no"
    CHOICE = "choice"
    SKIP = "skip"
    KEEP = "keep"
    BACK = "back"
    LATER = "later"
    SUMMARY = "summary"
    CHANGE = "change"
    FIELD = "field"
    SEND = "send"


class Screen(StrEnum):
    QUESTION = "question"
    SUMMARY = "summary"
    FIELDS = "fields"


@dataclass
class AnswerState:
    """The answers of one questionnaire being filled in and where its author is. `token` names
    these answers and `seq` the screen on show: a button carries both, so one from an older
    message is recognised. `paused`: the author chose to finish later, so what they type goes
    elsewhere until they come back."""

    token: str
    follow_up: int
    screen: Screen = Screen.QUESTION
    index: int = 0
    seq: int = 0
    answers: dict[str, Any] = field(default_factory=dict)
    editing: bool = False
    paused: bool = False


@dataclass(frozen=True)
class AnswerContext:
    questionnaire: Questionnaire
    idea: int
    title: str
    deadline: datetime
    zone: ZoneInfo
    currency: str
    now: datetime

    @property
    def questions(self) -> tuple[Question, ...]:
        return self.questionnaire.questions

    @property
    def last_day(self) -> date:
        return last_day(self.deadline, self.zone)

    @property
    def is_open(self) -> bool:
        return self.now < self.deadline


@dataclass(frozen=True)
class SendAnswers:
    answers: dict[str, Any]


@dataclass(frozen=True)
class AnswersKept:
    """The answers are stored, and the staff member who asked is told."""


@dataclass(frozen=True)
class AnswersRefused:
    """Answered meanwhile from another device, or the deadline passed as they were sent."""


Result = AnswersKept | AnswersRefused


@dataclass
class AnswerOutcome(Outcome):
    state: AnswerState | None = None
    effect: SendAnswers | None = None


# -- what the author is told before answering ----------------------------------------------


def invitation(
    questionnaire: Questionnaire, idea: int, title: str, day: date, reminder: bool = False
) -> Reply:
    """Sent when staff send a questionnaire: why, about which idea, and until when; sent again
    as a reminder shortly before the deadline."""
    return Reply(
        Text(
            "followup.reminder" if reminder else "followup.invitation",
            questionnaire=Localized(questionnaire.title),
            number=idea,
            title=title,
            day=day,
        ),
        buttons=[[Button("followup.button.answer", AnswerAction.ANSWER)]],
    )


def closed_reply(ctx: AnswerContext, notice: bool = False) -> Reply:
    return Reply("followup.closed", day=ctx.last_day, notice=notice)


# -- the conversation -----------------------------------------------------------------------


def start(ctx: AnswerContext, token: str, follow_up: int) -> AnswerOutcome:
    if not ctx.is_open:
        return AnswerOutcome(None, [closed_reply(ctx)])
    state = AnswerState(token=token, follow_up=follow_up)
    intro = Reply(
        "followup.intro",
        questionnaire=Localized(ctx.questionnaire.title),
        number=ctx.idea,
        title=ctx.title,
        count=len(ctx.questions),
        day=ctx.last_day,
    )
    return AnswerOutcome(state, [intro, ask(state, ctx)])


def resume(state: AnswerState, ctx: AnswerContext) -> AnswerOutcome:
    """Show the screen the author left off at."""
    if not ctx.is_open:
        return AnswerOutcome(None, [closed_reply(ctx)])
    state.paused = False
    state.seq += 1
    return AnswerOutcome(state, [Reply("followup.resumed"), ask(state, ctx)])


def step(state: AnswerState, event: Event | Result, ctx: AnswerContext) -> AnswerOutcome:
    if isinstance(event, AnswersKept):
        thanks = Reply(
            "followup.thanks",
            questionnaire=Localized(ctx.questionnaire.title),
            number=ctx.idea,
            buttons=[[Button("menu.open", MenuAction.MENU)]],
        )
        return AnswerOutcome(None, [thanks])
    if isinstance(event, AnswersRefused):
        return AnswerOutcome(None, [closed_reply(ctx)])
    if not ctx.is_open:
        return AnswerOutcome(None, [closed_reply(ctx, notice=isinstance(event, Press))])
    _fit(state, ctx)
    if isinstance(event, Press):
        if event.token != state.token or event.seq != state.seq:
            return AnswerOutcome(state, [Reply("followup.error.old_button", notice=True)])
        state.paused = False
        return _press(state, event, ctx)
    return _answer(state, event, ctx)


def _fit(state: AnswerState, ctx: AnswerContext) -> None:
    """Staff may load the edition again with fewer questions while someone answers."""
    if not ctx.questions:
        state.screen = Screen.SUMMARY
    state.index = max(0, min(state.index, len(ctx.questions) - 1))


def _current(state: AnswerState, ctx: AnswerContext) -> Question:
    return ctx.questions[state.index]


# -- pressing buttons -----------------------------------------------------------------------


def _press(state: AnswerState, press: Press, ctx: AnswerContext) -> AnswerOutcome:
    action, arg, screen = press.action, press.arg, state.screen
    if action == AnswerAction.LATER:
        return _pause(state, ctx)
    if action == AnswerAction.BACK:
        return _back(state, ctx)
    if screen is Screen.QUESTION:
        question = _current(state, ctx)
        code, kind = question.code, question.kind
        if action == AnswerAction.SKIP and not question.required:
            state.answers.pop(code, None)
            return _advance(state, ctx)
        if action == AnswerAction.KEEP and code in state.answers:
            return _advance(state, ctx)
        if action == AnswerAction.YES_NO and kind is QuestionKind.YES_NO and arg in {"yes", "no"}:
            state.answers[code] = arg == "yes"
            return _advance(state, ctx)
        if action == AnswerAction.CHOICE and kind is QuestionKind.CHOICE and _option(arg, question):
            state.answers[code] = int(arg)
            return _advance(state, ctx)
    if screen is Screen.SUMMARY and action == AnswerAction.SEND:
        return _send(state, ctx)
    if screen is Screen.SUMMARY and action == AnswerAction.CHANGE:
        return _show(state, Screen.FIELDS, ctx)
    if screen is Screen.FIELDS and action == AnswerAction.FIELD:
        codes = [question.code for question in ctx.questions]
        if arg in codes:
            state.index, state.editing = codes.index(arg), True
            return _show(state, Screen.QUESTION, ctx)
    if screen is Screen.FIELDS and action == AnswerAction.SUMMARY:
        return _show(state, Screen.SUMMARY, ctx)
    return AnswerOutcome(state, [Reply("followup.error.invalid_button", notice=True)])


def _option(arg: str, question: Question) -> bool:
    return arg.isdigit() and len(arg) <= 3 and int(arg) < len(question.options)


def _pause(state: AnswerState, ctx: AnswerContext) -> AnswerOutcome:
    state.paused = True
    state.seq += 1
    return AnswerOutcome(
        state,
        [
            Reply(
                "followup.paused",
                day=ctx.last_day,
                buttons=[[Button("followup.button.continue", AnswerAction.ANSWER)]],
            )
        ],
    )


def _back(state: AnswerState, ctx: AnswerContext) -> AnswerOutcome:
    if state.screen is Screen.FIELDS or (state.screen is Screen.QUESTION and state.editing):
        return _show(state, Screen.SUMMARY, ctx)
    if state.screen is Screen.SUMMARY and ctx.questions:
        state.index = len(ctx.questions) - 1
        return _show(state, Screen.QUESTION, ctx)
    if state.screen is Screen.QUESTION and state.index > 0:
        state.index -= 1
        return _show(state, Screen.QUESTION, ctx)
    return AnswerOutcome(state, [Reply("followup.error.invalid_button", notice=True)])


def _advance(state: AnswerState, ctx: AnswerContext) -> AnswerOutcome:
    if state.editing or state.index >= len(ctx.questions) - 1:
        return _show(state, Screen.SUMMARY, ctx)
    state.index += 1
    return _show(state, Screen.QUESTION, ctx)


def _show(state: AnswerState, screen: Screen, ctx: AnswerContext) -> AnswerOutcome:
    if screen is Screen.SUMMARY:
        state.editing = False
    state.screen = screen
    state.seq += 1
    return AnswerOutcome(state, [ask(state, ctx)])


def _send(state: AnswerState, ctx: AnswerContext) -> AnswerOutcome:
    missing = next(
        (
            index
            for index, question in enumerate(ctx.questions)
            if question.required and question.code not in state.answers
        ),
        None,
    )
    if missing is not None:
        state.index, state.editing = missing, True
        outcome = _show(state, Screen.QUESTION, ctx)
        outcome.replies.insert(0, Reply("followup.error.missing"))
        return outcome
    codes = {question.code for question in ctx.questions}
    answers = {code: value for code, value in state.answers.items() if code in codes}
    return AnswerOutcome(state, [], effect=SendAnswers(answers))


# -- answering questions --------------------------------------------------------------------


def _answer(state: AnswerState, event: Event, ctx: AnswerContext) -> AnswerOutcome:
    if state.screen is not Screen.QUESTION:
        return _refuse(state, ctx, "followup.error.use_buttons")
    question = _current(state, ctx)
    kind = question.kind
    if kind is QuestionKind.DOCUMENT and isinstance(event, DocumentIn):
        return _keep(
            state, ctx, {"kind": "document", "file_id": event.file_id, "name": event.file_name}
        )
    # A photo of a quote, taken with the phone, is as good as a scanned one.
    if kind is QuestionKind.DOCUMENT and isinstance(event, PhotoIn):
        return _keep(state, ctx, {"kind": "photo", "file_id": event.file_id, "name": ""})
    if not isinstance(event, TextIn):
        return _refuse(state, ctx, EXPECTED[kind])
    typed = event.text.strip()
    if kind is QuestionKind.CHOICE:
        return _answer_choice(state, question, typed, ctx)
    if kind is QuestionKind.TEXT:
        if not typed:
            return _refuse(state, ctx, "followup.error.empty")
        if len(typed) > LONG_TEXT_MAX:
            return _refuse(
                state, ctx, "followup.error.too_long", count=len(typed), limit=LONG_TEXT_MAX
            )
        return _keep(state, ctx, typed)
    if kind is QuestionKind.NUMBER:
        try:
            return _keep(state, ctx, parse_number(typed))
        except AmountError as error:
            return _refuse(state, ctx, f"followup.number.{error.reason}")
    if kind is QuestionKind.AMOUNT:
        try:
            return _keep(state, ctx, _cents(typed))
        except AmountError as error:
            return _refuse(state, ctx, f"followup.amount.{error.reason}")
    return _refuse(state, ctx, EXPECTED[kind])


def _answer_choice(
    state: AnswerState, question: Question, typed: str, ctx: AnswerContext
) -> AnswerOutcome:
    """An option typed rather than pressed, in any of the edition's languages."""
    wanted = typed.casefold()
    for index, option in enumerate(question.options):
        if wanted in {label.casefold() for label in option.values()}:
            return _keep(state, ctx, index)
    return _refuse(state, ctx, "followup.error.use_buttons")


def _cents(typed: str) -> int:
    """An amount in cents; nothing to pay (zero) is an answer here, unlike an idea's cost."""
    try:
        return parse_amount(typed)
    except AmountError as error:
        if error.reason == "zero":
            return 0
        raise


def parse_number(typed: str) -> int | float:
    """A number typed the way citizens write it ("1 200", "12,5"), zero or more, with two
    decimals at most: it is read like an amount, whose separators are already told apart."""
    cents = _cents(typed)
    if cents % CENTS_PER_UNIT == 0:
        return cents // CENTS_PER_UNIT
    return cents / CENTS_PER_UNIT


def _keep(state: AnswerState, ctx: AnswerContext, value: object) -> AnswerOutcome:
    state.answers[_current(state, ctx).code] = value
    return _advance(state, ctx)


def _refuse(state: AnswerState, ctx: AnswerContext, key: str, **params: object) -> AnswerOutcome:
    """Say what was wrong, under the current screen's buttons; the state does not move."""
    screen = ask(state, ctx)
    return AnswerOutcome(state, [Reply(Text(key, **params), buttons=screen.buttons)])


# -- asking ---------------------------------------------------------------------------------


def ask(state: AnswerState, ctx: AnswerContext) -> Reply:
    """The message for the screen the answers are at, with its buttons."""
    if state.screen is Screen.SUMMARY:
        return _summary(state, ctx)
    if state.screen is Screen.FIELDS:
        return _fields(ctx)
    question = _current(state, ctx)
    code, kind = question.code, question.kind
    progress = (
        Text("followup.progress.editing")
        if state.editing
        else Text("followup.progress", number=state.index + 1, total=len(ctx.questions))
    )
    texts = [progress, Text("followup.question", text=Localized(question.text))]
    texts.append(Text(f"followup.hint.{kind.value}"))
    if not question.required:
        texts.append(Text("followup.optional"))
    rows: list[list[Button]] = []
    if kind is QuestionKind.YES_NO:
        rows.append(
            [
                Button("followup.answer.yes", AnswerAction.YES_NO, "yes"),
                Button("followup.answer.no", AnswerAction.YES_NO, "no"),
            ]
        )
    if kind is QuestionKind.CHOICE:
        rows += [
            [Button(Localized(option), AnswerAction.CHOICE, str(index))]
            for index, option in enumerate(question.options)
        ]
    if code in state.answers:
        value = answer_value(question, state.answers[code], ctx.currency)
        texts.append(Text("followup.current", value=value))
        rows.append([Button("followup.button.keep", AnswerAction.KEEP)])
    if not question.required:
        label = "followup.button.clear" if code in state.answers else "followup.button.skip"
        rows.append([Button(label, AnswerAction.SKIP)])
    navigation = [Button("followup.button.later", AnswerAction.LATER)]
    if state.editing or state.index > 0:
        navigation.insert(0, Button("followup.button.back", AnswerAction.BACK))
    rows.append(navigation)
    return Reply(*texts, buttons=rows)


def answer_value(question: Question, value: object, currency: str, whole: bool = False) -> object:
    """An answer as it is shown to the author and to staff; a long text shortened unless
    `whole`."""
    match question.kind, value:
        case QuestionKind.TEXT, str() if len(value) > SHOWN_TEXT_MAX and not whole:
            return value[: SHOWN_TEXT_MAX - 1].rstrip() + "…"
        case QuestionKind.YES_NO, bool():
            return Text("followup.answer.yes" if value else "followup.answer.no")
        case QuestionKind.CHOICE, int() if 0 <= value < len(question.options):
            return Localized(question.options[value])
        case QuestionKind.AMOUNT, int():
            return Money(value, currency)
        case QuestionKind.DOCUMENT, {"kind": "photo"}:
            return Text("followup.answer.photo")
        case QuestionKind.DOCUMENT, {"name": str(name)}:
            return Text("followup.answer.document", name=name)
        case QuestionKind.NUMBER, float():
            return f"{value:g}"
    return value


def _summary(state: AnswerState, ctx: AnswerContext) -> Reply:
    texts = [
        Text(
            "followup.summary.header",
            questionnaire=Localized(ctx.questionnaire.title),
            number=ctx.idea,
        )
    ]
    for question in ctx.questions:
        answered = question.code in state.answers
        value = (
            answer_value(question, state.answers[question.code], ctx.currency)
            if answered
            else Text("followup.summary.empty")
        )
        texts.append(Text("followup.summary.line", question=Localized(question.text), value=value))
    texts.append(Text("followup.summary.check", day=ctx.last_day))
    return Reply(
        *texts,
        buttons=[
            [Button("followup.button.send", AnswerAction.SEND)],
            [Button("followup.button.change", AnswerAction.CHANGE)],
            [
                Button("followup.button.back", AnswerAction.BACK),
                Button("followup.button.later", AnswerAction.LATER),
            ],
        ],
    )


def _fields(ctx: AnswerContext) -> Reply:
    rows = [
        [Button(_short(question.text, number), AnswerAction.FIELD, question.code)]
        for number, question in enumerate(ctx.questions, start=1)
    ]
    rows.append([Button("followup.button.back", AnswerAction.SUMMARY)])
    return Reply("followup.fields.ask", buttons=rows)


def _short(text: Mapping[str, str], number: int) -> Localized:
    """A question short enough for a button on a phone, with its number."""
    return Localized(
        {
            lang: f"{number}. "
            + (words if len(words) <= QUESTION_ON_BUTTON else words[: QUESTION_ON_BUTTON - 1] + "…")
            for lang, words in text.items()
        }
    )
