"""Edition files: the example loads, and a fault is refused with its line and field."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from budget.edition import DEFAULT_STAGES, Phase, QuestionKind, ResultsRule
from budget.edition_file import EditionError, parse_edition
from budget.integrity import IntegrityThresholds

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "namur.toml").read_text(
    encoding="utf-8"
)


def test_the_namur_example_describes_the_2022_edition() -> None:
    edition = parse_edition(EXAMPLE)
    assert edition.envelope_cents == 200_000_00
    assert edition.currency == "EUR"
    assert [d.code for d in edition.districts] == ["namur", "dinant", "philippeville"]
    assert "Gembloux" in edition.districts[0].communes
    # Inhabitants, so that turnout by district is a rate.
    assert [d.population for d in edition.districts] == [318_000, 112_000, 68_000]
    assert edition.languages == ("fr", "nl", "de", "en")
    assert edition.results_rule is ResultsRule.GREEDY
    assert edition.theme("mobility") is not None
    assert edition.theme("mobility").label["nl"] == "Mobiliteit"  # type: ignore[union-attr]
    assert edition.contact.email.endswith("@province.namur.example")
    complement = edition.questionnaires[0]
    assert [q.kind for q in complement.questions] == [
        QuestionKind.TEXT,
        QuestionKind.YES_NO,
        QuestionKind.AMOUNT,
        QuestionKind.CHOICE,
        QuestionKind.DOCUMENT,
    ]
    assert len(complement.questions[3].options) == 3


def test_phases_follow_the_dates_in_the_editions_time_zone() -> None:
    edition = parse_edition(EXAMPLE)
    # The deposit ends on 31 January, at midnight in Brussels (23:00 UTC).
    assert edition.current_phase(datetime(2027, 1, 31, 22, 59, tzinfo=UTC)) is Phase.DEPOSIT
    assert edition.current_phase(datetime(2027, 1, 31, 23, 0, tzinfo=UTC)) is Phase.ANALYSIS
    assert edition.current_phase(datetime(2027, 4, 10, tzinfo=UTC)) is None, "between phases"
    assert edition.current_phase(datetime(2030, 1, 1, tzinfo=UTC)) is Phase.RESULTS


def test_a_phase_opened_or_closed_by_hand_overrides_its_dates() -> None:
    from dataclasses import replace

    edition = parse_edition(EXAMPLE)
    during_deposit = datetime(2026, 12, 1, tzinfo=UTC)
    assert (
        replace(edition, overrides={Phase.VOTE: True}).current_phase(during_deposit) is Phase.VOTE
    )
    closed = replace(edition, overrides={Phase.DEPOSIT: False})
    assert closed.current_phase(during_deposit) is None


@pytest.mark.parametrize(
    ("day", "overrides", "closed"),
    [
        (datetime(2027, 4, 20, tzinfo=UTC), {}, False),
        (datetime(2027, 4, 20, tzinfo=UTC), {Phase.VOTE: False}, True),
        # The last day of the vote is 15 May: it ends at midnight in Brussels, 22:00 UTC.
        (datetime(2027, 5, 15, 21, 59, tzinfo=UTC), {}, False),
        (datetime(2027, 5, 15, 22, 0, tzinfo=UTC), {}, True),
        (datetime(2027, 5, 20, tzinfo=UTC), {Phase.VOTE: True}, False),
        (datetime(2026, 12, 1, tzinfo=UTC), {}, False),
        (datetime(2026, 12, 1, tzinfo=UTC), {Phase.RESULTS: True}, True),
    ],
)
def test_the_vote_is_closed_once_its_dates_are_over_or_staff_close_it(
    day: datetime, overrides: dict[Phase, bool], closed: bool
) -> None:
    from dataclasses import replace

    edition = replace(parse_edition(EXAMPLE), overrides=overrides)
    assert edition.vote_is_closed(day) is closed


def line_of(text: str) -> int:
    """The line of the example where `text` begins."""
    return EXAMPLE[: EXAMPLE.index(text)].count("\n") + 1


@pytest.mark.parametrize(
    ("change", "line", "field", "message"),
    [
        (("total = 200000", "total = -5"), 16, "envelope.total", "must be more than zero"),
        (("total = 200000", 'total = "lots"'), 16, "envelope.total", "must be a number"),
        (('code = "mobility"', 'code = "environment"'), 44, "themes[1].code", "used twice"),
        (("[contact]", "[contact]\nfax = 1"), 20, "contact.fax", "is not a field pbbot knows"),
        (("start = 2027-04-15", "start = 2027-03-15"), 33, "phases.vote.start", "overlaps"),
        (("end = 2027-05-15", "end = 2027-04-01"), 34, "phases.vote.end", "must come after start"),
        (
            ('languages = ["fr",', 'languages = ["xx", "fr",'),
            11,
            "languages[0]",
            "unknown language",
        ),
        (('currency = "EUR"', 'currency = "euro"'), 17, "envelope.currency", "three-letter"),
        (
            ('kind = "yes_no"', 'kind = "maybe"'),
            line_of('kind = "yes_no"'),
            "questionnaires[0].questions[1].kind",
            "must be one of",
        ),
        (("[phases.vote]", "[phases.vote"), 32, "TOML syntax", "Expected"),
        (
            ("population = 112000", "population = 0"),
            line_of("population = 112000"),
            "districts[1].population",
            "must be more than zero",
        ),
        (
            ("population = 112000", 'population = "many"'),
            line_of("population = 112000"),
            "districts[1].population",
            "must be a whole number",
        ),
        (('timezone = "Europe/Brussels"', 'timezone = "Mars/Olympus"'), 10, "timezone", "unknown"),
    ],
)
def test_a_fault_is_refused_with_its_line_and_field(
    change: tuple[str, str], line: int, field: str, message: str
) -> None:
    with pytest.raises(EditionError) as refused:
        parse_edition(EXAMPLE.replace(*change, 1))
    assert (refused.value.line, refused.value.field) == (line, field)
    assert message in refused.value.message


def test_a_missing_field_names_the_table_it_is_missing_from() -> None:
    without_email = EXAMPLE.replace('email = "budget.participatif@province.namur.example"\n', "")
    with pytest.raises(EditionError) as refused:
        parse_edition(without_email)
    assert refused.value.field == "contact.email"
    assert refused.value.line == 19, "the line of the [contact] table"


def test_a_text_given_once_serves_every_language() -> None:
    name_line = next(line for line in EXAMPLE.splitlines() if line.startswith("name = "))
    edition = parse_edition(EXAMPLE.replace(name_line, 'name = "BP Namur"'))
    assert dict(edition.name) == {
        "fr": "BP Namur",
        "nl": "BP Namur",
        "de": "BP Namur",
        "en": "BP Namur",
    }


def test_a_translation_may_be_missing_but_not_the_first_language() -> None:
    name_line = next(line for line in EXAMPLE.splitlines() if line.startswith("name = "))
    edition = parse_edition(EXAMPLE.replace(name_line, 'name = { fr = "BP", en = "PB" }'))
    assert edition.name["nl"] == "BP", "falls back to the edition's first language"
    with pytest.raises(EditionError) as refused:
        parse_edition(EXAMPLE.replace(name_line, 'name = { en = "PB" }'))
    assert (refused.value.field, refused.value.line) == ("name.fr", 7)


def test_an_edition_without_integrity_table_keeps_the_default_thresholds() -> None:
    assert parse_edition(EXAMPLE).integrity == IntegrityThresholds()


def test_the_integrity_table_sets_the_thresholds_it_names() -> None:
    edition = parse_edition(
        EXAMPLE + "\n[integrity]\nwave_min_ballots = 50\ndrift = 3\nchance = 1e-9\n"
    )
    assert edition.integrity == IntegrityThresholds(wave_min_ballots=50, drift=3.0, chance=1e-9)


# The table comes after the example and a blank line; its first field on the line after it.
FIRST = len(EXAMPLE.splitlines()) + 3


@pytest.mark.parametrize(
    ("fields", "line", "field", "message"),
    [
        ("wave_min_ballots = 2.5", FIRST, "integrity.wave_min_ballots", "must be a whole number"),
        ("run_min_registrations = 0", FIRST, "integrity.run_min_registrations", "at least 1"),
        ("drift = 0.5", FIRST, "integrity.drift", "must be at least 1"),
        ("drift = true", FIRST, "integrity.drift", "must be a number"),
        ("chance = 1", FIRST, "integrity.chance", "between 0 and 1"),
        ("bucket_minutes = 7", FIRST, "integrity.bucket_minutes", "must divide a day"),
        (
            "bucket_minutes = 15\nwave_window_minutes = 50",
            FIRST + 1,
            "integrity.wave_window_minutes",
            "multiple of bucket_minutes (15)",
        ),
        ("surprise = 3", FIRST, "integrity.surprise", "is not a field pbbot knows"),
    ],
)
def test_a_fault_in_the_integrity_table_is_refused_with_its_line_and_field(
    fields: str, line: int, field: str, message: str
) -> None:
    with pytest.raises(EditionError) as refused:
        parse_edition(EXAMPLE.rstrip("\n") + "\n\n[integrity]\n" + fields + "\n")
    assert (refused.value.line, refused.value.field) == (line, field)
    assert message in refused.value.message


def test_a_commune_centre_names_one_of_the_district_s_communes() -> None:
    with pytest.raises(EditionError) as refused:
        parse_edition(EXAMPLE.replace("Ohey = [", "Ohay = [", 1))
    assert refused.value.field == "districts[0].centres.Ohay"
    with pytest.raises(EditionError) as refused:
        parse_edition(EXAMPLE.replace("Ohey = [50.4361, 5.1233]", "Ohey = [50.4361]", 1))
    assert "[latitude, longitude]" in refused.value.message


def test_the_stages_of_funded_projects_come_from_the_file_or_the_defaults() -> None:
    example = parse_edition(EXAMPLE)
    assert [stage.code for stage in example.stages] == [
        "studies",
        "tender",
        "works",
        "delivered",
        "cancelled",
    ]
    assert [stage.code for stage in example.stages if stage.needs_reason] == ["cancelled"]
    without = EXAMPLE[: EXAMPLE.index("# The stages a funded project")]
    assert parse_edition(without).stages == DEFAULT_STAGES
    own = without + (
        '\n[[stages]]\ncode = "permit"\nlabel = "Permis"\n'
        '\n[[stages]]\ncode = "dropped"\nlabel = { fr = "Abandonné", en = "Dropped" }\n'
        "reason = true\n"
    )
    edition = parse_edition(own)
    assert [(s.code, s.label["nl"], s.needs_reason) for s in edition.stages] == [
        ("permit", "Permis", False),
        ("dropped", "Abandonné", True),
    ]
    assert edition.stage("works") is None


def test_a_stage_with_an_unknown_field_is_refused_with_its_line() -> None:
    with pytest.raises(EditionError) as refused:
        parse_edition(EXAMPLE + '\n[[stages]]\ncode = "x"\nlabel = "X"\ncolour = "red"\n')
    assert refused.value.field == "stages[5].colour"
    assert refused.value.message == "is not a field pbbot knows"
