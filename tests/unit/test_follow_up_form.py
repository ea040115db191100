"""The follow-up questionnaire as a plain state machine, and its deadlines, without Telegram or a
database."""

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from budget.edition_file import parse_edition
from budget.money import AmountError
from budget.serialise import dump, load
from conversations import follow_up_form
from conversations.events import DocumentIn, OtherIn, PhotoIn, Press, TextIn
from conversations.follow_up_form import (
    AnswerContext,
    AnswerOutcome,
    AnswerState,
    Screen,
    deadline_of,
    default_last_day,
    last_day,
    parse_number,
    remind_from,
)
from conversations.replies import Localized, Money, Text

EDITION = parse_edition(
    (Path(__file__).resolve().parents[2] / "examples" / "namur.toml").read_text(encoding="utf-8")
)
BRUSSELS = ZoneInfo("Europe/Brussels")
[COMPLEMENT] = EDITION.questionnaires
DEADLINE = deadline_of(date(2027, 3, 31), BRUSSELS)
OPEN = AnswerContext(
    questionnaire=COMPLEMENT,
    idea=7,
    title="We could plant an orchard",
    deadline=DEADLINE,
    zone=BRUSSELS,
    currency="EUR",
    now=datetime(2027, 2, 15, 12, tzinfo=UTC),
)
CLOSED = replace(OPEN, now=DEADLINE)


def started() -> AnswerState:
    state = follow_up_form.start(OPEN, "tok", follow_up=3).state
    assert state is not None
    return state


def press(state: AnswerState, action: str, arg: str = "") -> AnswerOutcome:
    return follow_up_form.step(state, Press(action, arg, state.token, state.seq), OPEN)


def answered(*events: object) -> AnswerState:
    state = started()
    for event in events:
        if isinstance(event, tuple):
            outcome = press(state, *event)
        else:
            outcome = follow_up_form.step(state, event, OPEN)  # type: ignore[arg-type]
        assert outcome.state is not None
        state = outcome.state
    return state


def keys(outcome: AnswerOutcome) -> list[str]:
    return [text.key for reply in outcome.replies for text in reply.texts]


REQUIRED_ONLY = (TextIn("The neighbours"), ("yes_no", "no"), TextIn("8 500,50"))


def test_answers_of_every_kind_are_kept_in_their_own_shape() -> None:
    state = answered(
        *REQUIRED_ONLY, ("choice", "2"), DocumentIn("f1", "quote.pdf", "application/pdf")
    )
    assert state.screen is Screen.SUMMARY
    assert state.answers == {
        "carrier": "The neighbours",
        "land": False,
        "cost": 850_050,
        "duration": 2,
        "quote": {"kind": "document", "file_id": "f1", "name": "quote.pdf"},
    }


def test_sending_gives_the_answers_back_and_ends_the_conversation_once_kept() -> None:
    state = answered(*REQUIRED_ONLY, ("skip",), ("skip",))
    outcome = press(state, "send")
    assert outcome.effect == follow_up_form.SendAnswers(
        {"carrier": "The neighbours", "land": False, "cost": 850_050}
    )
    assert outcome.state is not None
    kept = follow_up_form.step(outcome.state, follow_up_form.AnswersKept(), OPEN)
    assert kept.state is None
    assert keys(kept) == ["followup.thanks"]


def test_answers_refused_on_sending_say_the_questionnaire_is_closed() -> None:
    state = answered(*REQUIRED_ONLY, ("skip",), ("skip",))
    outcome = press(state, "send")
    assert outcome.state is not None
    refused = follow_up_form.step(outcome.state, follow_up_form.AnswersRefused(), OPEN)
    assert refused.state is None
    assert keys(refused) == ["followup.closed"]


def test_a_required_question_cannot_be_skipped() -> None:
    state = started()
    outcome = press(state, "skip")
    assert keys(outcome) == ["followup.error.invalid_button"]
    assert outcome.state is not None and outcome.state.index == 0


def test_a_required_answer_missing_at_send_is_asked_for() -> None:
    """As when staff load the edition again with one more required question."""
    state = answered(*REQUIRED_ONLY, ("skip",), ("skip",))
    del state.answers["land"]
    outcome = press(state, "send")
    assert outcome.effect is None
    assert keys(outcome)[:3] == [
        "followup.error.missing",
        "followup.progress.editing",
        "followup.question",
    ]
    assert outcome.state is not None and outcome.state.index == 1


def test_a_forged_choice_or_an_old_button_changes_nothing() -> None:
    state = answered(*REQUIRED_ONLY)
    assert keys(press(state, "choice", "3")) == ["followup.error.invalid_button"]
    assert keys(press(state, "choice", "-1")) == ["followup.error.invalid_button"]
    old = Press("choice", "0", state.token, state.seq - 1)
    assert keys(follow_up_form.step(state, old, OPEN)) == ["followup.error.old_button"]
    assert "duration" not in state.answers


@pytest.mark.parametrize(
    ("event", "key"),
    [
        (PhotoIn("p"), "followup.error.text_expected"),
        (OtherIn("sticker"), "followup.error.text_expected"),
        (TextIn("   "), "followup.error.empty"),
        (TextIn("x" * 1001), "followup.error.too_long"),
    ],
)
def test_a_text_question_refuses_what_is_not_text(event: object, key: str) -> None:
    state = started()
    outcome = follow_up_form.step(state, event, OPEN)  # type: ignore[arg-type]
    assert keys(outcome) == [key]
    assert state.answers == {}


def test_after_the_deadline_nothing_is_taken() -> None:
    state = started()
    outcome = follow_up_form.step(state, TextIn("The neighbours"), CLOSED)
    assert outcome.state is None
    assert keys(outcome) == ["followup.closed"]
    assert outcome.replies[0].texts[0].params["day"] == date(2027, 3, 31)
    assert follow_up_form.start(CLOSED, "tok", 3).state is None


def test_the_state_survives_a_round_trip_through_json() -> None:
    state = answered(*REQUIRED_ONLY, ("later",))
    again = load(AnswerState, json.loads(json.dumps(dump(state))))
    assert again == state
    assert again.paused


def test_a_questionnaire_reloaded_with_fewer_questions_keeps_the_author_within_it() -> None:
    state = answered(*REQUIRED_ONLY, ("skip",))
    shorter = replace(COMPLEMENT, questions=COMPLEMENT.questions[:2])
    outcome = follow_up_form.step(
        state, Press("back", "", state.token, state.seq), replace(OPEN, questionnaire=shorter)
    )
    assert outcome.state is not None and outcome.state.index == 0


@pytest.mark.parametrize(
    ("typed", "number"),
    [("25", 25), ("1 200", 1200), ("1.200", 1200), ("2,5", 2.5), ("0", 0), ("12,75", 12.75)],
)
def test_numbers_are_read_the_way_citizens_write_them(typed: str, number: float) -> None:
    assert parse_number(typed) == number


@pytest.mark.parametrize(("typed", "reason"), [("twenty", "not_a_number"), ("-3", "negative")])
def test_what_is_not_a_number_says_why(typed: str, reason: str) -> None:
    with pytest.raises(AmountError) as refused:
        parse_number(typed)
    assert refused.value.reason == reason


def test_answers_are_shown_in_words() -> None:
    land, cost, duration, quote = COMPLEMENT.questions[1:]
    assert follow_up_form.answer_value(land, True, "EUR") == Text("followup.answer.yes")
    assert follow_up_form.answer_value(cost, 0, "EUR") == Money(0, "EUR")
    assert follow_up_form.answer_value(duration, 0, "EUR") == Localized(duration.options[0])
    # An option taken away since: the answer is shown as it was kept.
    assert follow_up_form.answer_value(duration, 9, "EUR") == 9
    photo = {"kind": "photo", "file_id": "p", "name": ""}
    assert follow_up_form.answer_value(quote, photo, "EUR") == Text("followup.answer.photo")


def test_the_default_deadline_is_the_end_of_the_analysis_or_two_weeks() -> None:
    during_deposit = datetime(2026, 12, 1, 12, tzinfo=BRUSSELS)
    assert default_last_day(EDITION, during_deposit) == date(2027, 3, 31)
    on_its_last_day = datetime(2027, 3, 31, 23, tzinfo=BRUSSELS)
    assert default_last_day(EDITION, on_its_last_day) == date(2027, 3, 31)
    after_it = datetime(2027, 4, 20, 12, tzinfo=BRUSSELS)
    assert default_last_day(EDITION, after_it) == date(2027, 5, 4)


def test_a_deadline_is_the_end_of_its_day_where_the_edition_is() -> None:
    # The clocks change on 28 March 2027 in Brussels.
    deadline = deadline_of(date(2027, 3, 28), BRUSSELS)
    assert deadline.astimezone(UTC) == datetime(2027, 3, 28, 22, tzinfo=UTC)
    assert last_day(deadline, BRUSSELS) == date(2027, 3, 28)


def test_the_reminder_is_due_in_the_morning_two_days_before_the_last_day() -> None:
    assert remind_from(DEADLINE, BRUSSELS) == datetime(2027, 3, 29, 10, tzinfo=BRUSSELS)
