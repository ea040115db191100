"""Who may vote: the checks an edition asks for, and the phone number kept only as a hash."""

import hashlib


def phone_fingerprint(phone: str, edition_slug: str) -> str:
    """A number's hash, salted with the edition: enough to refuse a second ballot from the same
    phone, useless to call anyone. "+32 470 12 34 56" and "0032470123456" are the same number."""
    digits = "".join(character for character in phone if character.isdigit())
    if digits.startswith("00"):
        digits = digits[2:]
    return hashlib.sha256(f"{edition_slug}:{digits}".encode()).hexdigest()
