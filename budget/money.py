"""Amounts typed by citizens, kept as whole cents."""

import re

CENTS_PER_UNIT = 100

# Citizens type amounts the way they write them on paper: "12500", "12 500", "12.500 €",
# "12 500,50", "€12,500.50". A locale-bound parser would read "12.500" as twelve and a half in
# French, so the separators are told apart by their position instead.
_CURRENCY = re.compile(r"(€|eur(os?)?|euros?)", re.IGNORECASE)
_SPACES = re.compile(r"[\s\u00a0\u202f'’_]")
_SHAPE = re.compile(r"[+-]?[0-9.,]+")


class AmountError(ValueError):
    """A typed amount that cannot be an idea's cost; `reason` names why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_amount(text: str) -> int:
    """Return the amount in cents; raise AmountError("empty" | "not_a_number" | "negative" |
    "zero" | "too_many_decimals")."""
    cleaned = _SPACES.sub("", _CURRENCY.sub("", text))
    if not cleaned:
        raise AmountError("empty")
    if not _SHAPE.fullmatch(cleaned):
        raise AmountError("not_a_number")
    negative = cleaned.startswith("-")
    digits = cleaned.lstrip("+-")
    whole, fraction = _split_decimal(digits)
    if not whole.isdigit() or (fraction and not fraction.isdigit()):
        raise AmountError("not_a_number")
    if len(fraction) > 2:
        raise AmountError("too_many_decimals")
    cents = int(whole) * CENTS_PER_UNIT + int(fraction.ljust(2, "0") or 0)
    if negative and cents:
        raise AmountError("negative")
    if cents == 0:
        raise AmountError("zero")
    return cents


def _split_decimal(digits: str) -> tuple[str, str]:
    """Split "12.500,50" into ("12500", "50"): the last separator is the decimal one unless it is
    the only kind present and is followed by exactly three digits (then it groups thousands)."""
    last = max(digits.rfind("."), digits.rfind(","))
    if last < 0:
        return digits, ""
    separator = digits[last]
    other = "," if separator == "." else "."
    tail = digits[last + 1 :]
    groups_only = other not in digits and (digits.count(separator) > 1 or len(tail) == 3)
    if groups_only:
        return digits.replace(separator, ""), ""
    head = digits[:last].replace(other, "").replace(separator, "")
    return head, tail
