"""What a citizen can send, stripped of the messenger that carried it."""

from dataclasses import dataclass


@dataclass(frozen=True)
class TextIn:
    text: str


@dataclass(frozen=True)
class PhotoIn:
    file_id: str


@dataclass(frozen=True)
class DocumentIn:
    file_id: str
    file_name: str
    mime_type: str


@dataclass(frozen=True)
class LocationIn:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class ContactIn:
    """A phone number shared through Telegram's contact button; `own` says whether it is the
    sender's own number (a forwarded contact is someone else's)."""

    phone: str
    own: bool


@dataclass(frozen=True)
class OtherIn:
    """Something the conversations never expect: a sticker, a voice note, a GIF, a video..."""

    kind: str


@dataclass(frozen=True)
class Press:
    """A button pressed; `token` and `seq` name the form and the question it was shown under."""

    action: str
    arg: str
    token: str
    seq: int


def button_number(arg: str) -> int | None:
    """The number a button carries (a page, a project, an idea), or None for anything a button
    of ours never carries. ASCII digits only ("²".isdigit() is true, but int() refuses it), and
    at most nine, so a forged one cannot overflow the database's integers."""
    return int(arg) if arg.isascii() and arg.isdigit() and len(arg) <= 9 else None


Event = TextIn | PhotoIn | DocumentIn | LocationIn | ContactIn | OtherIn | Press
