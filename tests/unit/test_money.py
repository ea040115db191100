"""Amounts as citizens type them."""

import pytest

from budget.money import AmountError, parse_amount


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("12500", 1_250_000),
        ("12 500", 1_250_000),
        ("12.500 €", 1_250_000),
        ("12 500,50", 1_250_050),
        ("€12,500.50", 1_250_050),
        ("12\u202f500 EUR", 1_250_000),
        ("1.234.567", 123_456_700),
        ("12,5", 1_250),
        ("0,99", 99),
        ("49548 euros", 4_954_800),
        ("+300", 30_000),
    ],
)
def test_amounts_are_read_the_way_people_write_them(typed: str, cents: int) -> None:
    assert parse_amount(typed) == cents


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "empty"),
        ("  € ", "empty"),
        ("twelve", "not_a_number"),
        ("12-500", "not_a_number"),
        ("0", "zero"),
        ("0,00 €", "zero"),
        ("-5", "negative"),
        ("12,555", None),
        ("12.5555", "too_many_decimals"),
    ],
)
def test_what_cannot_be_a_cost_is_refused_with_a_reason(typed: str, reason: str | None) -> None:
    if reason is None:
        assert parse_amount(typed) == 1_255_500, "three digits after one separator group thousands"
        return
    with pytest.raises(AmountError) as refused:
        parse_amount(typed)
    assert refused.value.reason == reason
