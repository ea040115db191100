"""A voter's phone number is kept only as a keyed, slow, per-edition fingerprint."""

from budget.eligibility import phone_fingerprint

KEY = b"k" * 32


def test_one_number_written_two_ways_is_one_voter() -> None:
    assert phone_fingerprint("+32 470 12 34 56", KEY, "namur") == phone_fingerprint(
        "0032470123456", KEY, "namur"
    )
    assert phone_fingerprint("+32 470 12 34 57", KEY, "namur") != phone_fingerprint(
        "+32 470 12 34 56", KEY, "namur"
    )


def test_the_fingerprint_says_nothing_of_the_number_and_differs_between_editions() -> None:
    namur = phone_fingerprint("+32470123456", KEY, "namur")
    assert "470123456" not in namur and len(namur) == 64
    assert phone_fingerprint("+32470123456", KEY, "liege") != namur


def test_without_the_key_no_number_can_be_tried_against_a_fingerprint() -> None:
    """Someone holding the database but not the key computes other fingerprints."""
    kept = phone_fingerprint("+32470123456", KEY, "namur")
    assert phone_fingerprint("+32470123456", b"x" * 32, "namur") != kept
