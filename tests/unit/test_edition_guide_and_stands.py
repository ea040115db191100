"""The guide before the form (criteria, examples) and the stands come from the edition file,
checked like the rest of it."""

from datetime import date
from pathlib import Path

import pytest

from budget.edition_file import EditionError, parse_edition

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "namur.toml").read_text(
    encoding="utf-8"
)


def test_namur_gives_its_criteria_examples_and_stands_in_its_four_languages() -> None:
    edition = parse_edition(EXAMPLE)
    assert [criterion.code for criterion in edition.criteria] == [
        "public_land",
        "investment",
        "cost",
    ]
    for criterion in edition.criteria:
        assert set(criterion.label) == set(criterion.advice) == {"fr", "nl", "de", "en"}
    assert edition.criteria[2].label["de"] == "Zwischen 5 000 € und 50 000 €"
    assert [example.photo.startswith("https://") for example in edition.examples] == [True, True]
    library, market = edition.stands
    assert (library.code, library.district, market.district) == ("library-namur", "namur", "dinant")
    assert library.opens_on(date(2027, 4, 17)) and not library.opens_on(date(2027, 4, 20))
    assert market.opens_on(date(2027, 4, 24)) and not market.opens_on(date(2027, 5, 1))
    assert edition.identity_reference is not None
    assert edition.identity_reference["nl"] == "Rijksregisternummer"
    reason = edition.moderation_reason("outside_territory")
    assert reason is not None and reason.criterion == "public_land"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (('district = "dinant"\ndays', 'district = "liege"\ndays'), "stands[1].district", "liege"),
        (('"wednesday", "saturday"', '"wednesday", "someday"'), "stands[0].days[1]", "weekday"),
        (
            ('criterion = "investment"', 'criterion = "budget"'),
            "moderation_reasons[2].criterion",
            "budget",
        ),
        (('code = "cost"\nlabel', 'code = "cost"\nlabels'), "criteria[2].label", "missing"),
    ],
)
def test_a_faulty_stand_or_criterion_is_refused_with_its_field(
    change: tuple[str, str], field: str, message: str
) -> None:
    source = EXAMPLE.replace(*change, 1)
    assert source != EXAMPLE
    with pytest.raises(EditionError) as refused:
        parse_edition(source)
    assert refused.value.field == field
    assert message in refused.value.message
    assert refused.value.line is not None
