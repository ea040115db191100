"""Which of the edition's districts an address lies in, from the commune or postal code it
names. Citizens type addresses as they come ("rue de Fer 12, 5000 namur", "Eghezee"), so
case, accents and hyphens do not matter; a name only counts as a whole word, so that
"Namur" is not found in "Namuroise"."""

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


def _words(text: str) -> str:
    """Lower case without accents, words separated by single spaces: "Fosses-la-Ville" and
    "fosses la ville" read alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_ALPHANUMERIC.sub(" ", plain).strip()
