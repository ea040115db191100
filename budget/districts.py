"""Which of the edition's districts an address lies in, from the commune or postal code it
names. Citizens type addresses as they come ("rue de Fer 12, 5000 namur", "Eghezee"), so
case, accents and hyphens do not matter; a name only counts as a whole word, so that
"Namur" is not found in "Namuroise".

A location shared from a phone lies in the district of the nearest commune centre the edition
file gives, if one is near enough to be within the territory."""

import math
import re
import unicodedata

from budget.edition import Edition

_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")


def district_of(address: str | None, edition: Edition) -> str | None:
    """The code of the district whose postal code or commune the address names, else None.

    A postal code is trusted first. Failing that, the commune named last wins: Belgian
    addresses end with the commune ("rue de Namur 3, Dinant" is in Dinant)."""
    if not address:
        return None
    words = f" {_words(address)} "
    for district in edition.districts:
        if any(f" {_words(code)} " in words for code in district.postal_codes):
            return district.code
    # (where the name ends, its length): the longer name wins when one holds another.
    best: tuple[int, int] | None = None
    found = None
    for district in edition.districts:
        for commune in district.communes:
            name = f" {_words(commune)} "
            at = words.rfind(name)
            if at < 0 or not name.strip():
                continue
            rank = (at + len(name), len(name))
            if best is None or rank > best:
                best, found = rank, district.code
    return found


# A location farther than this from every commune centre is taken to be outside the
# territory. Belgian communes reach about 10 km from their centre; the limit errs towards
# finding a district, which moderators see on the card and can question.
CENTRE_REACH_KM = 15.0
EARTH_RADIUS_KM = 6371.0


def district_at(latitude: float | None, longitude: float | None, edition: Edition) -> str | None:
    """The code of the district whose commune centre is nearest the location, else None."""
    if latitude is None or longitude is None:
        return None
    nearest: tuple[float, str] | None = None
    for district in edition.districts:
        for centre in district.centres.values():
            distance = _distance_km((latitude, longitude), centre)
            if distance <= CENTRE_REACH_KM and (nearest is None or distance < nearest[0]):
                nearest = (distance, district.code)
    return nearest[1] if nearest else None


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def _words(text: str) -> str:
    """Lower case without accents, words separated by single spaces: "Fosses-la-Ville" and
    "fosses la ville" read alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_ALPHANUMERIC.sub(" ", plain).strip()
