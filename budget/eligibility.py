"""Who may vote: the checks an edition asks for, and the phone number kept only as a hash."""

import hashlib

# scrypt's cost: about 50 ms for one number, paid once per voter; trying every mobile number
# of a country (some 10^8) against a stolen database would take years of computing.
SCRYPT_COST = 2**14


def phone_fingerprint(phone: str, edition_slug: str) -> str:
    """A number's slow hash, salted with the edition: enough to refuse a second ballot from the
    same phone, useless to call anyone. "+32 470 12 34 56" and "0032470123456" are the same
    number."""
    digits = "".join(
        character for character in phone if character.isascii() and character.isdigit()
    )
    if digits.startswith("00"):
        digits = digits[2:]
    key = hashlib.scrypt(
        digits.encode(), salt=f"pbbot:{edition_slug}".encode(), n=SCRYPT_COST, r=8, p=1, dklen=32
    )
    return key.hex()
