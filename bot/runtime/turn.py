"""One turn of conversation: everything a handler needs for one update, and the middlewares
that give the update its unit of work, commit it once and only then send the replies."""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram import methods as methods_module
from aiogram.methods import AnswerCallbackQuery, TelegramMethod
from aiogram.types import Message, TelegramObject, Update, User
from pydantic_core import PydanticSerializationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.runtime.callbacks import Encode, encode_menu
from bot.runtime.failures import is_transient
from bot.runtime.fsm_storage import current_unit_of_work
from bot.runtime.i18n import pick_language
from bot.runtime.lru import LRU
from bot.runtime.render import Renderer
from bot.runtime.reply_queue import ReplyQueue, deliver
from bot.runtime.settings import Settings
from bot.runtime.unreachable_staff import UnreachableStaff
from budget.ballot import Project
from budget.edition import Edition
from budget.roles import Role
from conversations.replies import Reply
from storage.citizens import Citizen
from storage.conversation_states import GroupCommit, SealedDestinies
from storage.editions import StoredEdition
from storage.sealing import Sealer
from storage.unit_of_work import AlreadyProcessed, StateConflict, UnitOfWork
from storage.updates import claim_chat

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class EditionCache:
    """The edition the bot serves, looked at again after `refresh_seconds`: one update checks
    whether it changed while the others go on with the copy in hand."""

    def __init__(self, slug: str | None, refresh_seconds: float) -> None:
        self.slug = slug
        self.refresh_seconds = refresh_seconds
        self._stored: StoredEdition | None = None
        self._read_at = float("-inf")
        self._refreshing = False

    async def get(self, uow: UnitOfWork) -> StoredEdition | None:
        stale = time.monotonic() - self._read_at >= self.refresh_seconds
        if self._stored is None or (stale and not self._refreshing):
            self._refreshing = True
            try:
                self._stored = await uow.editions.current(self.slug, known=self._stored)
                self._read_at = time.monotonic()
            finally:
                self._refreshing = False
        return self._stored


class BallotCache:
    """The projects on an edition's ballot, read again after `refresh_seconds`, as the edition
    itself is: the vote looks at them at every update, and reading a national ballot of 300
    projects costs more than the rest of the update. A change made by another process (a
    project put on the ballot, a cost corrected) is seen within that delay, as a change to the
    edition is; one made by this process's updates, at once."""

    def __init__(self, refresh_seconds: float) -> None:
        self.refresh_seconds = refresh_seconds
        self._read: dict[int, tuple[float, list[Project]]] = {}

    async def on_ballot(self, uow: UnitOfWork, edition_id: int) -> list[Project]:
        known = self._read.get(edition_id)
        if known is not None and time.monotonic() - known[0] < self.refresh_seconds:
            return known[1]
        projects = await uow.projects.on_ballot(edition_id)
        self._read[edition_id] = (time.monotonic(), projects)
        return projects

    def forget(self) -> None:
        self._read.clear()


# Accounts whose consent is kept in memory, at most.
CITIZENS_CACHED = 10_000


class CitizenCache:
    """Who consented, the most recently seen accounts kept in memory (or none: every update
    reads the database). What is taken from here is checked by the database when the update
    commits: another process may have recorded a consent, a language or an erasure meanwhile."""

    def __init__(self, enabled: bool, size: int | None = None) -> None:
        self._known: LRU[int, Citizen | None] | None = (
            LRU(size or CITIZENS_CACHED) if enabled else None
        )

    @property
    def cached(self) -> int:
        return len(self._known) if self._known is not None else 0

    async def get(self, uow: UnitOfWork, telegram_id: int) -> Citizen | None:
        known = self._known
        if known is not None and telegram_id in known:
            citizen = known[telegram_id]
            uow.assumptions.citizens[telegram_id] = citizen
            uow.on_rollback(lambda: known.pop(telegram_id, None))
            return citizen
        citizen = await uow.citizens.by_telegram_id(telegram_id)
        if self._known is not None:
            self._known[telegram_id] = citizen
        return citizen

    def forget(self, uow: UnitOfWork, telegram_id: int) -> None:
        known = self._known
        if known is not None:
            uow.after_commit(lambda: known.pop(telegram_id, None))

    def remember(self, uow: UnitOfWork, citizen: Citizen) -> None:
        """What this update wrote of the citizen: what it took from the cache before is
        superseded (and would otherwise be found broken by its own write at commit)."""
        uow.assumptions.citizens.pop(citizen.telegram_id, None)
        known = self._known
        if known is not None:
            known[citizen.telegram_id] = citizen
            uow.on_rollback(lambda: known.pop(citizen.telegram_id, None))


@dataclass
class Turn:
    uow: UnitOfWork
    stored: StoredEdition
    citizen: Citizen | None
    citizens: CitizenCache
    user: User
    chat_id: int
    lang: str
    now: datetime
    renderer: Renderer
    settings: Settings
    callback_query_id: str | None = None
    # The text message whose button was pressed: a screen may be shown in its place.
    editable: int | None = None
    # The photo message whose button was pressed: a card may be shown again under its photo.
    editable_photo: int | None = None
    replies: ReplyQueue = field(default_factory=ReplyQueue)
    # The sender's staff roles, read once per update (see bot.runtime.staff_access).
    staff_roles: set[Role] | None = None
    ballots: BallotCache | None = None

    @property
    def edition(self) -> Edition:
        return self.stored.edition

    async def on_ballot(self) -> list[Project]:
        """The projects on the edition's ballot (from the cache of them, if there is one)."""
        if self.ballots is None:
            return await self.uow.projects.on_ballot(self.stored.id)
        return await self.ballots.on_ballot(self.uow, self.stored.id)

    async def consent(self, lang: str, source: str | None) -> Citizen:
        citizen = await self.uow.citizens.consent(self.user.id, lang, source, self.now)
        self.citizens.remember(self.uow, citizen)
        self.citizen, self.lang = citizen, citizen.language
        return citizen

    def forget_citizen(self) -> None:
        """The citizen's data was erased: from now on this account is a stranger again."""
        self.citizens.forget(self.uow, self.user.id)
        self.citizen = None

    async def set_language(self, lang: str) -> None:
        if self.citizen is not None:
            self.citizen = await self.uow.citizens.set_language(self.citizen, lang)
            self.citizens.remember(self.uow, self.citizen)
        self.lang = lang

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
            self.replies.add(
                *self.renderer.methods(
                    reply,
                    self.chat_id if chat_id is None else chat_id,
                    lang or self.lang,
                    encode,
                    self.callback_query_id if own_chat else None,
                    self.editable if own_chat else None,
                    self.editable_photo if own_chat else None,
                )
            )

    def send(self, method: TelegramMethod[Any]) -> None:
        self.replies.add(method)


class UnitOfWorkScope(BaseMiddleware):
    """The outermost of ours: opens the update's unit of work. Nothing touches the database
    until the chat's lock is taken (by aiogram's FSM middleware, right after this one), so the
    work runs, commits and sends its replies one update of a chat at a time.

    States changed by another process since they were read, or an update found committed
    already (a second delivery racing the first), make the whole update run again, from
    what is stored now."""

    ATTEMPTS = 4

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        group_commit: GroupCommit | None = None,
        connections: int | None = None,
        *,
        sealer: Sealer,
        sealed_states: SealedDestinies,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.group_commit = group_commit
        self.sealer = sealer
        self.sealed_states = sealed_states
        # Updates take turns for the pool's connections in the order they came (a semaphore is
        # fair; under a burst the pool's own queue lets some updates time out).
        self.gate = asyncio.Semaphore(connections) if connections else None

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        for attempt in range(self.ATTEMPTS):
            try:
                return await self._attempt(handler, event, data, attempt)
            except (StateConflict, AlreadyProcessed) as error:
                if attempt == self.ATTEMPTS - 1:
                    raise
                logger.info("handling the update again: %s", type(error).__name__)
        raise AssertionError("unreachable")

    async def _attempt(
        self, handler: Handler, event: TelegramObject, data: dict[str, Any], attempt: int
    ) -> Any:
        async with (
            Turnstile(self.gate) as turnstile,
            UnitOfWork(
                self.sessionmaker,
                self.group_commit,
                sealer=self.sealer,
                sealed_states=self.sealed_states,
            ) as uow,
        ):
            token = current_unit_of_work.set(uow)
            try:
                data["uow"] = uow
                data["turnstile"] = turnstile
                data["attempt"] = attempt
                return await handler(event, data)
            finally:
                current_unit_of_work.reset(token)


class Turnstile:
    """A place at the gate, given back as soon as the unit of work is committed (`leave`), so
    that sending the replies does not keep others from the database."""

    def __init__(self, gate: asyncio.Semaphore | None) -> None:
        self.gate = gate
        self.inside = False

    async def __aenter__(self) -> "Turnstile":
        if self.gate is not None:
            await self.gate.acquire()
            self.inside = True
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.leave()

    def leave(self) -> None:
        if self.inside and self.gate is not None:
            self.inside = False
            self.gate.release()


class TurnMiddleware(BaseMiddleware):
    """Inside the chat's lock: builds the turn, runs the handler, records the update as
    handled with its answer, commits, sends. An update handled before is not handled again:
    its answer is sent again, in case the first sending was lost with a crashed process."""

    def __init__(
        self,
        editions: EditionCache,
        citizens: CitizenCache,
        renderer: Renderer,
        settings: Settings,
        clock: Clock,
        chat_lock_in_database: bool = False,
        unreachable_staff: UnreachableStaff | None = None,
    ) -> None:
        self.editions = editions
        self.ballots = BallotCache(editions.refresh_seconds)
        self.citizens = citizens
        self.renderer = renderer
        self.settings = settings
        self.clock = clock
        self.chat_lock_in_database = chat_lock_in_database
        self.unreachable_staff = unreachable_staff

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        chat = data.get("event_chat")
        uow: UnitOfWork | None = data.get("uow")
        if user is None or chat is None or uow is None or not isinstance(event, Update):
            return await handler(event, data)
        bot: Bot = data["bot"]
        if await self._handled_before(uow, bot.id, event.update_id, chat.id, data["attempt"]):
            replies = await uow.updates.replies_of(bot.id, event.update_id) or []
            await uow.rollback()
            data["turnstile"].leave()
            logger.info("update delivered again: its answer is sent again")
            await resend(bot, replies)
            return None
        stored = await self.editions.get(uow)
        if stored is None:
            logger.error("no edition loaded: run `pbbot edition load FILE.toml`")
            return None
        citizen = await self.citizens.get(uow, user.id)
        turn = data["turn"] = Turn(
            uow=uow,
            stored=stored,
            citizen=citizen,
            citizens=self.citizens,
            ballots=self.ballots,
            user=user,
            chat_id=chat.id,
            lang=citizen.language
            if citizen
            else pick_language(user.language_code, stored.edition.languages),
            now=self.clock(),
            renderer=self.renderer,
            settings=self.settings,
            callback_query_id=event.callback_query.id if event.callback_query else None,
            editable=_editable(event),
            editable_photo=_editable_photo(event),
        )
        try:
            result = await handler(event, data)
            if turn.callback_query_id and not turn.replies.answers_callback:
                turn.send(AnswerCallbackQuery(callback_query_id=turn.callback_query_id))
            uow.mark_processed(bot.id, event.update_id, recorded(turn.replies.methods))
            await uow.commit()
            if uow.ballot_changed:
                self.ballots.forget()
            data["turnstile"].leave()
        except Exception as error:
            await uow.rollback()
            if not is_transient(error):
                # Nothing was kept; say so rather than leave the citizen waiting.
                apology = Reply("error.unexpected")
                apologies = ReplyQueue()
                apologies.add(*self.renderer.methods(apology, chat.id, turn.lang, encode_menu))
                await apologies.flush(bot)
            raise
        await turn.replies.flush(bot)
        others = [chat_id for chat_id in turn.replies.refused if chat_id != chat.id]
        if others and self.unreachable_staff is not None:
            # Notices to staff who never opened the bot: said once, then at each start-up.
            await self.unreachable_staff.refused(others)
        return result

    async def _handled_before(
        self, uow: UnitOfWork, bot_id: int, update_id: int, chat_id: int, attempt: int
    ) -> bool:
        if self.chat_lock_in_database:
            return await claim_chat(uow.session, chat_id, bot_id, update_id)
        # Elsewhere a second delivery is found when its record collides at commit
        # (AlreadyProcessed), and only then looked for: no read for the usual first delivery.
        return attempt > 0 and await uow.updates.replies_of(bot_id, update_id) is not None


def recorded(methods: list[TelegramMethod[Any]]) -> str:
    """The answer as it can be sent again, a JSON array: the calls that show something (a
    callback's pop-up expires with the query), without uploaded files (a chart is drawn again
    when asked for). Each call is written by its model, which is cheaper than building
    dictionaries first."""
    kept = []
    for method in methods:
        if isinstance(method, AnswerCallbackQuery):
            continue
        try:
            body = method.model_dump_json(exclude_unset=True)
        except PydanticSerializationError:
            continue
        kept.append(f'{{"method":"{type(method).__name__}","call":{body}}}')
    return "[" + ",".join(kept) + "]"


async def resend(bot: Bot, replies: list[dict[str, Any]]) -> None:
    for reply in replies:
        method_class = getattr(methods_module, str(reply.get("method")), None)
        if method_class is not None:
            await deliver(bot, method_class.model_validate(reply.get("call") or {}))


def _editable(update: Update) -> int | None:
    query = update.callback_query
    if query is None or query.message is None or not isinstance(query.message, Message):
        return None
    return query.message.message_id if query.message.text is not None else None


def _editable_photo(update: Update) -> int | None:
    query = update.callback_query
    if query is None or query.message is None or not isinstance(query.message, Message):
        return None
    return query.message.message_id if query.message.photo else None
