"""The reasons moderators give with one tap come from the edition file, checked like the rest
of it: a fault is refused with its line and field."""

from pathlib import Path

import pytest

from budget.edition_file import EditionError, parse_edition
from conversations.moderation import Decision, Kind, parse_choice, reason_text
from conversations.replies import Localized

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "namur.toml").read_text(
    encoding="utf-8"
)


def test_namur_gives_four_reasons_in_each_of_its_languages() -> None:
    edition = parse_edition(EXAMPLE)
    assert [reason.code for reason in edition.moderation_reasons] == [
        "off_topic",
        "outside_territory",
        "not_investment",
        "offensive",
    ]
    offensive = edition.moderation_reason("offensive")
    assert offensive is not None
    assert offensive.label["fr"] == "Propos injurieux ou discriminatoires"


def test_an_edition_without_reasons_lets_moderators_write_them() -> None:
    first = EXAMPLE.index("# Reasons moderators give")
    assert parse_edition(EXAMPLE[:first]).moderation_reasons == ()


def line_of(text: str) -> int:
    """The line of the example where `text` begins."""
    return EXAMPLE[: EXAMPLE.index(text)].count("\n") + 1


@pytest.mark.parametrize(
    ("change", "line", "field", "message"),
    [
        (
            ('code = "offensive"', 'code = "off_topic"'),
            line_of('code = "offensive"'),
            "moderation_reasons[3].code",
            "twice",
        ),
        (
            ('code = "not_investment"', 'code = "not an investment"'),
            line_of('code = "not_investment"'),
            "moderation_reasons[2].code",
            "letters",
        ),
        (
            ('code = "off_topic"\n', 'code = "off_topic"\nseverity = 3\n'),
            line_of('code = "off_topic"') + 1,
            "moderation_reasons[0].severity",
            "not a field",
        ),
        (
            ('label = { fr = "Hors sujet', 'label = { xx = "?", fr = "Hors sujet'),
            line_of('label = { fr = "Hors sujet'),
            "moderation_reasons[0].label.xx",
            "not one of the edition's languages",
        ),
    ],
)
def test_a_faulty_reason_is_refused_with_its_line_and_field(
    change: tuple[str, str], line: int, field: str, message: str
) -> None:
    with pytest.raises(EditionError) as refused:
        parse_edition(EXAMPLE.replace(*change, 1))
    assert (refused.value.line, refused.value.field) == (line, field)
    assert message in refused.value.message


def test_a_listed_reason_is_shown_in_the_readers_language_a_written_one_as_written() -> None:
    edition = parse_edition(EXAMPLE)
    listed = reason_text("outside_territory", edition)
    assert isinstance(listed, Localized)
    assert listed.texts["nl"] == "Buiten het grondgebied van de provincie"
    assert reason_text("Already planned by the city.", edition) == "Already planned by the city."


@pytest.mark.parametrize(
    ("arg", "kind", "choice"),
    [
        ("publish", Kind.IDEA, (Decision.PUBLISH, None)),
        ("changes.off_topic", Kind.IDEA, (Decision.CHANGES, "off_topic")),
        ("reject.offensive", Kind.IDEA, (Decision.REJECT, "offensive")),
        ("reject", Kind.IDEA, None),
        ("reject.unheard_of", Kind.IDEA, None),
        ("publish.off_topic", Kind.IDEA, None),
        ("erase", Kind.IDEA, None),
        ("reject", Kind.SUGGESTION, (Decision.REJECT, None)),
        ("changes", Kind.SUGGESTION, None),
    ],
)
def test_only_the_choices_a_card_offers_are_taken_from_a_button(
    arg: str, kind: Kind, choice: tuple[Decision, str | None] | None
) -> None:
    assert parse_choice(arg, kind, parse_edition(EXAMPLE)) == choice
