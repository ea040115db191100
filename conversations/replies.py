"""What a conversation says: message ids with parameters, and buttons; never final text."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Money:
    cents: int
    currency: str


@dataclass(frozen=True)
class Count:
    """A number that chooses its message's plural form: "1 citizen", "2 citizens"."""

    n: int


@dataclass(frozen=True)
class Localized:
    """A text the edition gives in each of its languages."""

    texts: Mapping[str, str]


@dataclass(frozen=True, init=False)
class Text:
    """One translatable message: its id in the catalogues and the values it names."""

    key: str
    params: Mapping[str, object]

    def __init__(self, key: str, /, **params: object) -> None:
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "params", params)


@dataclass(frozen=True)
class Button:
    """An inline button: its label (a message id or an edition's text) and the action it
    triggers in the conversation that showed it."""

    label: "str | Localized | Text"
    action: str
    arg: str = ""
    url: str = ""


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, init=False)
class Reply:
    """One message: `Reply("form.title.too_long", count=152, limit=140)`, or several texts
    shown as paragraphs of one message: `Reply(Text(...), Text(...), buttons=...)`.

    `notice` marks an answer to a pressed button that needs no message of its own (shown as a
    pop-up by Telegram); `photo` is a Telegram file id shown above the text; `compact` puts
    the texts on consecutive lines (a card) rather than in paragraphs; `edit` shows it in place
    of the message whose button was pressed (a screen kept up to date rather than a new message
    each time); `ask_contact` offers Telegram's button that shares one's phone number, and
    `drop_keyboard` takes it away again; `keep_photo` says that the photo is the one of the
    message being replaced, whose text and buttons are then edited under it."""

    texts: tuple[Text, ...]
    buttons: Keyboard = ()
    photo: str | None = None
    notice: bool = False
    compact: bool = False
    edit: bool = False
    ask_contact: bool = False
    drop_keyboard: bool = False
    keep_photo: bool = False

    def __init__(
        self,
        *texts: "str | Text",
        buttons: Sequence[Sequence[Button]] = (),
        photo: str | None = None,
        notice: bool = False,
        compact: bool = False,
        edit: bool = False,
        ask_contact: bool = False,
        drop_keyboard: bool = False,
        keep_photo: bool = False,
        **params: object,
    ) -> None:
        if params and not (len(texts) == 1 and isinstance(texts[0], str)):
            raise TypeError("parameters go with a single message id")
        parts = tuple(Text(part, **params) if isinstance(part, str) else part for part in texts)
        object.__setattr__(self, "texts", parts)
        object.__setattr__(self, "buttons", tuple(tuple(row) for row in buttons if row))
        object.__setattr__(self, "photo", photo)
        object.__setattr__(self, "keep_photo", keep_photo)
        object.__setattr__(self, "notice", notice)
        object.__setattr__(self, "compact", compact)
        object.__setattr__(self, "edit", edit)
        object.__setattr__(self, "ask_contact", ask_contact)
        object.__setattr__(self, "drop_keyboard", drop_keyboard)


@dataclass
class Outcome:
    """What a step produced: the new state (None when the conversation is over) and replies."""

    state: object | None
    replies: list[Reply] = field(default_factory=list)
