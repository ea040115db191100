"""The key kept outside the database, and what it seals.

One random key, in a file of its own (SECRET_KEY_FILE) created at the first start, backed up
apart from the database: with the database alone, nobody can read what it seals (a voter's
ballot until the vote closes, the envelope being filled in, the answers the bot recorded) nor
recognise a phone number from its fingerprint. Each use has a key of its own, derived from the
file's, so that one never opens what another sealed."""

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12


class KeyFileError(Exception):
    """The key file is unreadable, malformed, or not the one that sealed this database."""


class Unsealable(Exception):
    """What was sealed does not open with this key (another key, or altered)."""


def load_or_create_key(path: Path) -> bytes:
    """The key in `path`; a new one, written with no access but the owner's, if the file does
    not exist. Two processes starting at once agree on one key: the file is created only if
    absent, and whoever loses the race reads the winner's."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_key(path)
    except OSError as error:
        raise KeyFileError(f"cannot create the key file {path} ({error.strerror})") from None
    key = secrets.token_bytes(KEY_BYTES)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(base64.urlsafe_b64encode(key).decode("ascii") + "\n")
        file.flush()
        os.fsync(file.fileno())
    return key


def read_key(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise KeyFileError(f"cannot read the key file {path} ({error})") from None
    try:
        key = base64.urlsafe_b64decode(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"the key file {path} does not hold a pbbot key")
    return key


class Sealer:
    def __init__(self, key: bytes) -> None:
        self._key = key
        self._ciphers: dict[str, AESGCM] = {}

    def subkey(self, purpose: str) -> bytes:
        return hmac.new(self._key, f"pbbot:{purpose}".encode(), hashlib.sha256).digest()

    def _cipher(self, purpose: str) -> AESGCM:
        cipher = self._ciphers.get(purpose)
        if cipher is None:
            cipher = self._ciphers[purpose] = AESGCM(self.subkey(purpose))
        return cipher

    def seal(self, purpose: str, data: bytes, context: str = "") -> str:
        """`data` encrypted and authenticated, bound to `context` (what it belongs to: a
        blob moved to another row no longer opens)."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._cipher(purpose).encrypt(nonce, data, context.encode())
        return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def unseal(self, purpose: str, token: str, context: str = "") -> bytes:
        try:
            raw = base64.urlsafe_b64decode(token)
            return self._cipher(purpose).decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()
            )
        except (ValueError, InvalidTag):
            raise Unsealable(purpose) from None

    def fingerprint(self, purpose: str, value: str) -> bytes:
        """A keyed hash of `value`: the same value gives the same fingerprint; without the
        key, no value can be tried against it."""
        return hmac.new(self.subkey(purpose), value.encode(), hashlib.sha256).digest()
