"""An idea's district, found from the commune or postal code its address names."""

from dataclasses import replace
from pathlib import Path

import pytest

from budget.districts import district_at, district_of
from budget.edition import District
from budget.edition_file import parse_edition

NAMUR = parse_edition(
    (Path(__file__).resolve().parents[2] / "examples" / "namur.toml").read_text(encoding="utf-8")
)


@pytest.mark.parametrize(
    ("address", "district"),
    [
        ("Place d'Armes 1, 5000 Namur", "namur"),
        ("rue du Centre 4, EGHEZEE", "namur"),
        ("Grand-Place, Fosses la Ville", "namur"),
        ("Jemeppe sur Sambre", "namur"),
        ("près de l'église d'Anhée", "dinant"),
        ("Rue de Namur 3, Dinant", "dinant"),
        ("Couvin", "philippeville"),
        ("Avenue de la Namuroise 2", None),
        ("Somewhere in Liège", None),
        ("", None),
        (None, None),
    ],
)
def test_the_commune_named_in_the_address_gives_the_district(
    address: str | None, district: str | None
) -> None:
    assert district_of(address, NAMUR) == district


def test_a_postal_code_is_trusted_before_a_commune_name() -> None:
    districts = tuple(
        replace(d, postal_codes=("5000", "5100")) if d.code == "namur" else d
        for d in NAMUR.districts
    )
    edition = replace(NAMUR, districts=districts)
    assert district_of("Rue de Dinant 12, 5100 Jambes", edition) == "namur"
    assert district_of("Rue 51000", edition) is None, "a postal code is a whole word too"


def test_a_longer_commune_wins_over_one_it_contains() -> None:
    districts = (
        District("a", {"en": "A"}, communes=("Ville",)),
        District("b", {"en": "B"}, communes=("Fosses-la-Ville",)),
    )
    assert district_of("3 rue Haute, Fosses-la-Ville", replace(NAMUR, districts=districts)) == "b"


@pytest.mark.parametrize(
    ("latitude", "longitude", "district"),
    [
        (50.4685, 4.8722, "namur"),  # Namur's railway station
        (50.2626, 4.9135, "dinant"),  # Dinant's collegiate church
        (50.0561, 4.4911, "philippeville"),  # Couvin
        (50.8467, 4.3525, None),  # Brussels: no commune centre within reach
        (None, None, None),
    ],
)
def test_a_shared_location_lies_in_the_district_of_the_nearest_commune_centre(
    latitude: float | None, longitude: float | None, district: str | None
) -> None:
    assert district_at(latitude, longitude, NAMUR) == district
