"""The idea form as a plain state machine, without Telegram or a database."""

import json
from datetime import UTC, datetime
from pathlib import Path

from budget.edition_file import parse_edition
from budget.serialise import dump, load
from conversations import idea_form
from conversations.events import DocumentIn, LocationIn, OtherIn, PhotoIn, Press, TextIn
from conversations.idea_form import FormContext, FormOutcome, FormState, Step

EDITION = parse_edition(
    (Path(__file__).resolve().parents[2] / "examples" / "namur.toml").read_text(encoding="utf-8")
)
OPEN = FormContext(EDITION, datetime(2026, 12, 1, 12, tzinfo=UTC))
CLOSED = FormContext(EDITION, datetime(2027, 2, 15, 12, tzinfo=UTC))


def press(state: FormState, action: str, arg: str = "") -> FormOutcome:
    return idea_form.step(state, Press(action, arg, state.token, state.seq), OPEN)


def answered(*events: object) -> FormState:
    state = idea_form.start(OPEN, "tok").state
    assert state is not None
    for event in events:
        if isinstance(event, tuple):
            outcome = press(state, *event)
        else:
            outcome = idea_form.step(state, event, OPEN)  # type: ignore[arg-type]
        assert outcome.state is not None
        state = outcome.state
    return state


def keys(outcome: FormOutcome) -> list[str]:
    return [text.key for reply in outcome.replies for text in reply.texts]


def test_the_questions_come_in_the_order_of_the_form() -> None:
    state = answered(
        ("author", "organisation"),
        TextIn("Les Amis du Verger"),
        TextIn("An orchard"),
        TextIn("Apple trees"),
        TextIn("Fruit for all"),
        ("skip",),
        ("theme", "environment"),
        DocumentIn("d1", "plan.pdf", "application/pdf"),
        ("done",),
        ("skip",),
        LocationIn(50.4, 4.8),
        TextIn("12 500"),
    )
    assert state.step is Step.IMAGE
    assert state.history == [
        Step.AUTHOR,
        Step.ORGANISATION,
        Step.TITLE,
        Step.DESCRIPTION,
        Step.OBJECTIVES,
        Step.BENEFICIARIES,
        Step.THEME,
        Step.ATTACHMENTS,
        Step.IMPLEMENTATION,
        Step.PLACE,
        Step.BUDGET,
    ]
    draft = state.draft
    assert (draft.organisation, draft.objectives, draft.beneficiaries) == (
        "Les Amis du Verger",
        "Fruit for all",
        None,
    )
    assert (draft.latitude, draft.budget_cents) == (50.4, 1_250_000)


def test_a_published_draft_comes_out_whole_and_ends_the_conversation() -> None:
    state = answered(
        ("author", "myself"),
        TextIn("T"),
        TextIn("D"),
        ("skip",),
        ("skip",),
        ("theme", "sport"),
        ("skip",),
        ("skip",),
        ("skip",),
        TextIn("100"),
        PhotoIn("img"),
    )
    assert state.step is Step.PREVIEW
    outcome = press(state, "publish")
    assert isinstance(outcome.effect, idea_form.Publish)
    assert (outcome.effect.draft.title, outcome.effect.draft.image_file_id) == ("T", "img")
    assert outcome.replies == [], "nothing is said before the idea is stored"
    assert outcome.state is not None
    stored = idea_form.step(outcome.state, idea_form.Published(12, "https://t.me/x"), OPEN)
    assert stored.state is None, "the conversation ends once the idea is stored"
    assert stored.replies[0].texts[0].params["number"] == 12


def test_a_press_from_an_earlier_question_changes_nothing() -> None:
    state = answered(("author", "myself"))
    old_seq = state.seq - 1
    outcome = idea_form.step(state, Press("author", "organisation", "tok", old_seq), OPEN)
    assert keys(outcome) == ["form.error.old_button"]
    assert outcome.replies[0].notice
    assert outcome.state is state and state.step is Step.TITLE


def test_a_press_from_another_draft_changes_nothing() -> None:
    state = answered(("author", "myself"))
    outcome = idea_form.step(state, Press("cancel", "", "other", state.seq), OPEN)
    assert keys(outcome) == ["form.error.old_button"]


def test_refusals_keep_the_question_and_its_buttons() -> None:
    state = answered(("author", "myself"))
    seq = state.seq
    outcome = idea_form.step(state, OtherIn("sticker"), OPEN)
    assert keys(outcome) == ["form.error.text_expected"]
    labels = [button.label for row in outcome.replies[0].buttons for button in row]
    assert labels == ["form.button.back", "form.button.cancel"]
    assert (state.step, state.seq) == (Step.TITLE, seq)


def test_every_step_checks_the_phase_and_keeps_the_draft_when_closed() -> None:
    state = answered(("author", "myself"), TextIn("An orchard"))
    outcome = idea_form.step(state, TextIn("Apple trees"), CLOSED)
    assert keys(outcome) == ["form.closed.over"]
    assert outcome.state is state
    assert state.draft.description is None
    assert idea_form.start(CLOSED, "tok").state is None


def test_a_draft_survives_being_written_as_json_and_read_back() -> None:
    state = answered(
        ("author", "someone_else"),
        TextIn("Mrs Dupont"),
        TextIn("T"),
        TextIn("D"),
        ("skip",),
        ("skip",),
        ("theme", "culture"),
        DocumentIn("d1", "plan.pdf", "application/pdf"),
        PhotoIn("p1"),
    )
    stored = json.loads(json.dumps(dump(state)))
    assert load(FormState, stored) == state


def test_an_optional_answer_can_be_left_empty_again_from_the_preview() -> None:
    state = answered(
        ("author", "myself"),
        TextIn("T"),
        TextIn("D"),
        TextIn("Objectives"),
        ("skip",),
        ("theme", "sport"),
        ("skip",),
        ("skip",),
        ("skip",),
        TextIn("100"),
        ("skip",),
    )
    state = press(state, "change").state  # type: ignore[assignment]
    state = press(state, "field", "objectives").state  # type: ignore[assignment]
    outcome = press(state, "skip")
    assert outcome.state is not None and outcome.state.step is Step.PREVIEW
    assert outcome.state.draft.objectives is None


def test_an_eleventh_document_is_refused() -> None:
    state = answered(
        ("author", "myself"),
        TextIn("T"),
        TextIn("D"),
        ("skip",),
        ("skip",),
        ("theme", "sport"),
        *[DocumentIn(f"d{i}", f"{i}.pdf", "application/pdf") for i in range(10)],
    )
    outcome = idea_form.step(state, DocumentIn("d11", "11.pdf", "application/pdf"), OPEN)
    assert keys(outcome) == ["form.attachments.limit"]
    assert len(state.draft.attachments) == 10
