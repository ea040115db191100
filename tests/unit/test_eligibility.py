"""A voter's phone number is kept only as a slow, per-edition hash."""

from budget.eligibility import phone_fingerprint


def test_one_number_written_two_ways_is_one_voter() -> None:
    assert phone_fingerprint("+32 470 12 34 56", "namur") == phone_fingerprint(
        "0032470123456", "namur"
    )
    assert phone_fingerprint("+32 470 12 34 57", "namur") != phone_fingerprint(
        "+32 470 12 34 56", "namur"
    )


def test_the_hash_says_nothing_of_the_number_and_differs_between_editions() -> None:
    namur = phone_fingerprint("+32470123456", "namur")
    assert "470123456" not in namur and len(namur) == 64
    assert phone_fingerprint("+32470123456", "liege") != namur
