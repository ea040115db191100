"""A Telegram without Telegram: a Bot API session that answers from memory, and simulated
citizens who type, send photos, share locations and press buttons by their label.

The playground, the tests and the benchmarks all drive the real dispatcher through it."""

import html
import itertools
import re
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import Default
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageCaption,
    EditMessageReplyMarkup,
    EditMessageText,
    GetMe,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.types import (
    Animation,
    CallbackQuery,
    Chat,
    Contact,
    Document,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Location,
    Message,
    PhotoSize,
    ReplyKeyboardMarkup,
    Sticker,
    Update,
    User,
    Voice,
)

OFFLINE_TOKEN = "1234567:offline-playground"
BOT_USERNAME = "pbbot_playground_bot"

_TAGS = re.compile(r"</?(b|i|u|s|code|pre|a|blockquote)( [^>]*)?>")


@dataclass
class Shown:
    """A message as the citizen sees it, edits included."""

    message_id: int
    chat_id: int
    text: str
    buttons: list[list[InlineKeyboardButton]] = field(default_factory=list)
    photo: str | None = None
    document: str | None = None
    # Telegram's keyboard with the button that shares one's phone number.
    asks_contact: bool = False
    # How Telegram reads the text: "HTML", or None for the characters as they are.
    parse_mode: str | None = None

    @property
    def labels(self) -> list[str]:
        return [button.text for row in self.buttons for button in row]

    @property
    def displayed(self) -> str:
        """The text as the reader's phone shows it: tags interpreted (and gone) in HTML,
        shown as typed otherwise."""
        if self.parse_mode != "HTML":
            return self.text
        return html.unescape(_TAGS.sub("", self.text))


Listener = Callable[[TelegramMethod[Any], "Shown | None"], None]


class OfflineSession(BaseSession):
    """Records every Bot API call and answers it the way Telegram would, from memory."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self.listeners: list[Listener] = []
        self._message_ids = itertools.count(1)
        self._shown: dict[tuple[int, int], Shown] = {}
        self._bot_user: User | None = None
        # Edits that changed nothing, which Telegram refuses ("message is not modified").
        self.unmodified: list[TelegramMethod[Any]] = []
        # Accounts that never opened the bot: Telegram refuses to write to them first.
        self.never_opened: set[int] = set()

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[Any],
        timeout: int | None = None,  # noqa: ASYNC109 - BaseSession's signature
    ) -> Any:
        self.requests.append(method)
        chat_id = getattr(method, "chat_id", None)
        if isinstance(method, SendMessage | SendPhoto | SendDocument) and (
            chat_id in self.never_opened
        ):
            raise TelegramForbiddenError(
                method=method, message="Forbidden: bot can't initiate conversation with a user"
            )
        result, shown = self._answer(bot, method)
        for listener in self.listeners:
            listener(method, shown)
        return result

    def _me(self, bot: Bot) -> User:
        if self._bot_user is None or self._bot_user.id != bot.id:
            self._bot_user = User(id=bot.id, is_bot=True, first_name="pbbot", username=BOT_USERNAME)
        return self._bot_user

    def adopt(self, shown: Shown) -> None:
        """Know a message again (one a previous session showed): it can be edited, and new
        messages are numbered after it."""
        self._shown[(shown.chat_id, shown.message_id)] = shown
        self._message_ids = itertools.count(max(next(self._message_ids), shown.message_id + 1))

    def forget(self, shown: Shown) -> None:
        """Stop following a message (it can no longer be edited in this session)."""
        self._shown.pop((shown.chat_id, shown.message_id), None)

    def _answer(self, bot: Bot, method: TelegramMethod[Any]) -> tuple[Any, Shown | None]:
        me = self._me(bot)
        if isinstance(method, GetMe):
            return me, None
        if isinstance(method, SendMessage | SendPhoto | SendDocument):
            chat_id = int(method.chat_id)
            shown = Shown(next(self._message_ids), chat_id, "")
            if isinstance(method, SendMessage):
                shown.text = method.text
            else:
                shown.text = method.caption or ""
            if isinstance(method, SendPhoto):
                shown.photo = method.photo if isinstance(method.photo, str) else "uploaded"
            if isinstance(method, SendDocument):
                shown.document = str(method.document)
            shown.buttons = _rows(method.reply_markup)
            shown.parse_mode = _parse_mode(bot, method)
            shown.asks_contact = isinstance(method.reply_markup, ReplyKeyboardMarkup) and any(
                button.request_contact for row in method.reply_markup.keyboard for button in row
            )
            self._shown[(chat_id, shown.message_id)] = shown
            return self._message(me, shown), shown
        if isinstance(method, EditMessageText | EditMessageReplyMarkup | EditMessageCaption):
            edited = self._shown.get((int(method.chat_id or 0), method.message_id or 0))
            if edited is None:
                return True, None
            before = (edited.text, edited.buttons)
            if isinstance(method, EditMessageText):
                edited.text = method.text or ""
            if isinstance(method, EditMessageCaption):
                edited.text = method.caption or ""
            if isinstance(method, EditMessageText | EditMessageCaption):
                edited.parse_mode = _parse_mode(bot, method)
            edited.buttons = _rows(method.reply_markup)
            if (edited.text, edited.buttons) == before:
                self.unmodified.append(method)
            return self._message(me, edited), edited
        return True, None

    @staticmethod
    def _message(me: User, shown: Shown) -> Message:
        return Message(
            message_id=shown.message_id,
            date=datetime.now(UTC),
            chat=Chat(id=shown.chat_id, type="private"),
            from_user=me,
            text=shown.text if shown.photo is None else None,
            caption=shown.text if shown.photo is not None else None,
            photo=[PhotoSize(file_id=shown.photo, file_unique_id=shown.photo, width=1, height=1)]
            if shown.photo
            else None,
            reply_markup=InlineKeyboardMarkup(inline_keyboard=shown.buttons)
            if shown.buttons
            else None,
        )

    async def close(self) -> None:
        pass

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - BaseSession's signature
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        raise NotImplementedError("the offline session holds no files")
        yield b""  # pragma: no cover - makes this an async generator, like the original


def _parse_mode(bot: Bot, method: TelegramMethod[Any]) -> str | None:
    """The parse mode Telegram applies: the method's own, else the bot's default."""
    mode = getattr(method, "parse_mode", None)
    if isinstance(mode, Default):
        mode = bot.default[mode.name]
    # ParseMode.HTML or "HTML", as the method was given it.
    return str(getattr(mode, "value", mode)) if mode else None


def _rows(markup: object) -> list[list[InlineKeyboardButton]]:
    if isinstance(markup, InlineKeyboardMarkup):
        return [list(row) for row in markup.inline_keyboard]
    return []


class Simulator:
    """Feeds updates from simulated citizens to a dispatcher and keeps what each one saw."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        session: OfflineSession | None = None,
        first_update_id: int | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.session = session or OfflineSession()
        self.bot = Bot(OFFLINE_TOKEN, session=self.session)
        # Telegram's update ids only grow: a simulator started again on the same database
        # (a restart, a new rehearsal) goes on from a number never used before. Simulators
        # feeding one database at once are each given a range of their own.
        self._update_ids = itertools.count(
            time.time_ns() // 1000 if first_update_id is None else first_update_id
        )
        self._message_ids = itertools.count(10_000_000)
        self._callbacks = itertools.count(1)
        self.users: dict[int, Citizen] = {}
        self.alerts: dict[str, str] = {}
        self.session.listeners.append(self._record)

    def citizen(
        self, user_id: int, language_code: str | None = "fr", first_name: str = "Camille"
    ) -> "Citizen":
        user = User(id=user_id, is_bot=False, first_name=first_name, language_code=language_code)
        citizen = self.users[user_id] = Citizen(self, user)
        return citizen

    def _record(self, method: TelegramMethod[Any], shown: Shown | None) -> None:
        if isinstance(method, AnswerCallbackQuery):
            owner = self.users.get(int(method.callback_query_id.split(":")[0]))
            if owner is not None and method.text:
                owner.alerts.append(method.text)
            return
        if shown is not None and shown.chat_id in self.users:
            chat = self.users[shown.chat_id]
            if not any(known is shown for known in chat.shown):
                chat.shown.append(shown)
            chat.latest = shown

    async def feed(self, update: Update) -> None:
        sender = update.message.from_user if update.message else None
        if sender is not None:
            # Writing to the bot opens it: from now on it may write back.
            self.session.never_opened.discard(sender.id)
        await self.dispatcher.feed_update(self.bot, update)

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def next_message_id(self) -> int:
        return next(self._message_ids)

    def next_callback_id(self, user_id: int) -> str:
        return f"{user_id}:{next(self._callbacks)}"


class Citizen:
    """One simulated person in their private chat with the bot."""

    def __init__(self, simulator: Simulator, user: User) -> None:
        self.simulator = simulator
        self.user = user
        self.shown: list[Shown] = []
        self.alerts: list[str] = []
        self.latest: Shown | None = None

    @property
    def chat(self) -> Chat:
        return Chat(id=self.user.id, type="private")

    # -- what the citizen does -----------------------------------------------------------

    async def send(self, text: str) -> None:
        await self._message(text=text)

    async def send_photo(self, file_id: str = "photo-1") -> None:
        photo = [PhotoSize(file_id=file_id, file_unique_id=file_id, width=800, height=600)]
        await self._message(photo=photo)

    async def send_document(
        self, file_name: str = "plan.pdf", mime_type: str = "application/pdf", file_id: str = ""
    ) -> None:
        document = Document(
            file_id=file_id or f"doc-{file_name}",
            file_unique_id=file_id or file_name,
            file_name=file_name,
            mime_type=mime_type,
        )
        await self._message(document=document)

    async def share_contact(self, phone: str, own: bool = True) -> None:
        """Press Telegram's "share my phone number" button (own), or forward someone's card."""
        contact = Contact(
            phone_number=phone,
            first_name=self.user.first_name,
            user_id=self.user.id if own else self.user.id + 1,
        )
        await self._message(contact=contact)

    async def send_location(self, latitude: float, longitude: float) -> None:
        await self._message(location=Location(latitude=latitude, longitude=longitude))

    async def send_sticker(self) -> None:
        sticker = Sticker(
            file_id="sticker",
            file_unique_id="sticker",
            type="regular",
            width=512,
            height=512,
            is_animated=False,
            is_video=False,
        )
        await self._message(sticker=sticker)

    async def send_voice(self) -> None:
        await self._message(voice=Voice(file_id="voice", file_unique_id="voice", duration=3))

    async def send_gif(self) -> None:
        animation = Animation(
            file_id="gif", file_unique_id="gif", width=200, height=200, duration=2
        )
        document = Document(file_id="gif", file_unique_id="gif", mime_type="video/mp4")
        await self._message(animation=animation, document=document)

    async def click(self, label: str, message: Shown | None = None) -> None:
        """Press the button labelled `label` in `message`, or in the latest message that has
        one (the message looked at last, sent or edited, first, then the others, newest
        first)."""
        data, shown = self.button_data(label, message)
        await self.press(data, shown)

    async def press(self, data: str, message: Shown | None = None) -> None:
        """Send a callback with any data at all, as a forged or outdated client could."""
        await self.simulator.feed(self.press_update(data, message))

    def press_update(self, data: str, message: Shown | None = None) -> Update:
        """The update a press makes, to be fed to a dispatcher of one's choice."""
        shown = message or (self.shown[-1] if self.shown else Shown(1, self.user.id, ""))
        query = CallbackQuery(
            id=self.simulator.next_callback_id(self.user.id),
            from_user=self.user,
            chat_instance=str(self.user.id),
            data=data,
            message=Message(
                message_id=shown.message_id,
                date=datetime.now(UTC),
                chat=self.chat,
                text=None if shown.photo else shown.text or "-",
                caption=shown.text if shown.photo else None,
                photo=[
                    PhotoSize(file_id=shown.photo, file_unique_id=shown.photo, width=1, height=1)
                ]
                if shown.photo
                else None,
            ),
        )
        return Update(update_id=self.simulator.next_update_id(), callback_query=query)

    def button_data(self, label: str, message: Shown | None = None) -> tuple[str, Shown]:
        """What the button labelled `label` carries, and the message it is under."""
        candidates = (
            [message]
            if message
            else [*([self.latest] if self.latest else []), *reversed(self.shown)]
        )
        for shown in candidates:
            for row in shown.buttons:
                for button in row:
                    if button.text == label and button.callback_data is not None:
                        return button.callback_data, shown
        raise LookupError(f"no button {label!r}; the last buttons were {self.last_labels()}")

    async def _message(self, **content: Any) -> None:
        await self.simulator.feed(self.message_update(**content))

    def message_update(self, **content: Any) -> Update:
        message = Message(
            message_id=self.simulator.next_message_id(),
            date=datetime.now(UTC),
            chat=self.chat,
            from_user=self.user,
            **content,
        )
        return Update(update_id=self.simulator.next_update_id(), message=message)

    # -- what the citizen sees -----------------------------------------------------------

    @property
    def last(self) -> Shown:
        """The message sent or edited last: what the citizen is looking at."""
        return self.latest or self.shown[-1]

    def last_labels(self) -> list[str]:
        with_buttons = [shown for shown in self.shown if shown.buttons]
        return with_buttons[-1].labels if with_buttons else []

    def texts(self) -> list[str]:
        return [shown.text for shown in self.shown]

    def since(self, count: int) -> list[Shown]:
        return self.shown[count:]
