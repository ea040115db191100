"""One turn of conversation: everything a handler needs for one update, and the middleware
that opens the unit of work, commits it once and only then sends the replies."""

import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.methods import AnswerCallbackQuery, TelegramMethod
from aiogram.types import TelegramObject, Update, User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.callbacks import MenuButton
from bot.fsm_storage import current_unit_of_work
from bot.i18n import pick_language
from bot.outbox import Outbox
from bot.render import Encode, Renderer
from bot.settings import Settings
from budget.edition import Edition
from conversations.replies import Button, Reply
from storage.editions import StoredEdition
from storage.tables import CitizenRow
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def encode_menu(button: Button) -> str:
    return MenuButton(action=button.action, arg=button.arg).pack()


@dataclass
class Turn:
    uow: UnitOfWork
    stored: StoredEdition
    citizen: CitizenRow | None
    user: User
    chat_id: int
    lang: str
    now: datetime
    renderer: Renderer
    settings: Settings
    callback_query_id: str | None = None
    outbox: Outbox = field(default_factory=Outbox)

    @property
    def edition(self) -> Edition:
        return self.stored.edition

    def show(
        self,
        replies: Reply | Iterable[Reply],
        encode: Encode = encode_menu,
        lang: str | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Queue replies for this chat (or another one); they are sent once the update's work
        is committed."""
        own_chat = chat_id is None or chat_id == self.chat_id
        for reply in [replies] if isinstance(replies, Reply) else replies:
            self.outbox.add(
                *self.renderer.methods(
                    reply,
                    self.chat_id if chat_id is None else chat_id,
                    lang or self.lang,
                    encode,
                    self.callback_query_id if own_chat else None,
                )
            )

    def send(self, method: TelegramMethod[Any]) -> None:
        self.outbox.add(method)


class EditionCache:
    """The edition the bot serves, read again after `refresh_seconds`."""

    def __init__(self, slug: str | None, refresh_seconds: float) -> None:
        self.slug = slug
        self.refresh_seconds = refresh_seconds
        self._stored: StoredEdition | None = None
        self._read_at = float("-inf")

    async def get(self, uow: UnitOfWork) -> StoredEdition | None:
        if self._stored is None or time.monotonic() - self._read_at >= self.refresh_seconds:
            self._stored = await uow.editions.current(self.slug)
            self._read_at = time.monotonic()
        return self._stored


class TurnMiddleware(BaseMiddleware):
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        editions: EditionCache,
        renderer: Renderer,
        settings: Settings,
        clock: Clock,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.editions = editions
        self.renderer = renderer
        self.settings = settings
        self.clock = clock

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        chat = data.get("event_chat")
        if user is None or chat is None or not isinstance(event, Update):
            return await handler(event, data)
        bot: Bot = data["bot"]
        try:
            turn, result = await self._handle(handler, event, data, user, chat.id)
        except Exception:
            # The work is rolled back; tell the citizen rather than leave them waiting.
            apology = Reply("error.unexpected")
            lang = pick_language(user.language_code, ("fr", "nl", "de", "en"))
            outbox = Outbox()
            outbox.add(*self.renderer.methods(apology, chat.id, lang, encode_menu))
            await outbox.flush(bot)
            raise
        if turn is None:
            return result
        if turn.callback_query_id and not turn.outbox.answers_callback:
            turn.send(AnswerCallbackQuery(callback_query_id=turn.callback_query_id))
        await turn.outbox.flush(bot)
        return result

    async def _handle(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: Update,
        data: dict[str, Any],
        user: User,
        chat_id: int,
    ) -> tuple[Turn | None, Any]:
        async with UnitOfWork(self.sessionmaker) as uow:
            token = current_unit_of_work.set(uow)
            try:
                stored = await self.editions.get(uow)
                if stored is None:
                    logger.error("no edition loaded: run `pbbot edition load FILE.toml`")
                    return None, None
                citizen = await uow.citizens.by_telegram_id(user.id)
                languages = stored.edition.languages
                turn = Turn(
                    uow=uow,
                    stored=stored,
                    citizen=citizen,
                    user=user,
                    chat_id=chat_id,
                    lang=citizen.language
                    if citizen
                    else pick_language(user.language_code, languages),
                    now=self.clock(),
                    renderer=self.renderer,
                    settings=self.settings,
                    callback_query_id=event.callback_query.id if event.callback_query else None,
                )
                data["turn"] = turn
                result = await handler(event, data)
                await uow.commit()
                return turn, result
            finally:
                current_unit_of_work.reset(token)
