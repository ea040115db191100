"""Who may vote: the checks an edition asks for, and the phone number kept only as a keyed
fingerprint."""

import hashlib
import hmac

import phonenumbers

# scrypt's cost on top of the key: about 10 ms for one number, paid once per voter in a thread.
# Without the key no number can be tried at all; with a stolen key too, trying every mobile
# number of a country (some 10^8) still takes weeks of computing.
SCRYPT_COST = 2**12


def phone_digits(phone: str) -> str:
    """ "+32 470 12 34 56" and "0032470123456" are the same number."""
    digits = "".join(
        character for character in phone if character.isascii() and character.isdigit()
    )
    return digits[2:] if digits.startswith("00") else digits


def phone_fingerprint(phone: str, key: bytes, edition_slug: str) -> str:
    """A number's fingerprint: keyed with a key kept outside the database, then slow, salted
    with the edition: enough to refuse a second ballot from the same phone, useless to call
    anyone or to try numbers against."""
    keyed = hmac.new(key, phone_digits(phone).encode(), hashlib.sha256).digest()
    slow = hashlib.scrypt(
        keyed, salt=f"pbbot:{edition_slug}".encode(), n=SCRYPT_COST, r=8, p=1, dklen=32
    )
    return slow.hex()


def international_number(typed: str, country: str) -> str | None:
    """A number typed at a stand, as Telegram shares it ("0470 12 34 56" in Belgium is
    "+32470123456"), so that its fingerprint matches the one of the online vote; None if it
    cannot be a phone number."""
    try:
        number = phonenumbers.parse(typed, country)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def identity_key(typed: str) -> str | None:
    """An identity reference (national register number...) as fingerprinted: its letters and
    digits, upper case ("85.07.30-033.61" is "85073003361"); None if too short to be one."""
    kept = "".join(character for character in typed if character.isascii() and character.isalnum())
    return kept.upper() if 6 <= len(kept) <= 32 else None


def identity_fingerprint(reference: str, key: bytes, edition_slug: str) -> str:
    """An identity reference's fingerprint, made like a phone number's (keyed, then slow)."""
    keyed = hmac.new(key, reference.encode(), hashlib.sha256).digest()
    slow = hashlib.scrypt(
        keyed, salt=f"pbbot:{edition_slug}".encode(), n=SCRYPT_COST, r=8, p=1, dklen=32
    )
    return slow.hex()
