"""The one place where the bot is wired: settings, database, catalogues and clock come in,
a dispatcher comes out. Tests call it too, with their own parts."""

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime

from aiogram import Bot, Dispatcher, methods
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation
from aiogram.methods import SetMyCommands
from aiogram.methods.base import Response
from aiogram.types import BotCommand
from aiogram.utils.i18n import I18n
from pydantic.errors import PydanticSchemaGenerationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.handlers import get_hot_routes, get_routers
from bot.handlers.results import ResultsCache
from bot.runtime.chat_locks import ChatLocks
from bot.runtime.filters import PrivateChat
from bot.runtime.fsm_storage import STAND_DESTINY, VOTE_DESTINY, DatabaseStorage
from bot.runtime.render import Renderer
from bot.runtime.settings import Settings
from bot.runtime.turn import CitizenCache, EditionCache, TurnMiddleware, UnitOfWorkScope
from bot.runtime.unreachable_staff import UnreachableStaff
from storage.conversation_states import GroupCommit, SealedDestinies
from storage.database import connections
from storage.sealing import Sealer
from storage.unit_of_work import UnitOfWork

COMMANDS = (
    "start",
    "ideas",
    "myideas",
    "volunteer",
    "vote",
    "ranking",
    "results",
    "projects",
    "language",
    "stop",
    "privacy",
    "help",
)


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_dispatcher(
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    i18n: I18n,
    clock: Callable[[], datetime] = utc_now,
    events_isolation: BaseEventIsolation | None = None,
    chat_lock_in_database: bool = False,
    *,
    sealer: Sealer,
    caches: bool = True,
    hot_routes: bool = True,
) -> Dispatcher:
    """With `caches` (the default), who consented and where each chat stands are kept in
    memory and an update that only moves its chat along commits with others (group commit):
    what a cache gave is checked by the database at commit, so several processes may share
    one database (storage.assumptions). Without, every update reads and commits on its own.

    With `hot_routes` (the default), the form's and the vote's buttons and answers go straight
    to their handler (bot.runtime.hot_routes); without, through the routers like the rest."""
    engine = sessionmaker.kw["bind"]
    single_process = engine.dialect.name == "sqlite"
    group_commit = GroupCommit(engine) if caches else None
    # The vote's envelope, and a paper ballot being entered at a stand, are stored sealed with
    # the key kept outside the database.
    sealed = SealedDestinies(sealer, frozenset({VOTE_DESTINY, STAND_DESTINY}))
    dispatcher = Dispatcher(
        storage=DatabaseStorage(
            sessionmaker, cache=caches, group_commit=group_commit, sealed=sealed
        ),
        # One update at a time per chat: a double tap is handled after the first one, and sees
        # what the first one changed.
        events_isolation=events_isolation or ChatLocks(),
        # Registered below, after the unit of work's scope (see bot.runtime.turn.UnitOfWorkScope).
        disable_fsm=True,
    )
    dispatcher["results_cache"] = ResultsCache()
    dispatcher.message.filter(PrivateChat())
    dispatcher.callback_query.filter(PrivateChat())
    renderer = Renderer(i18n)
    editions = EditionCache(settings.edition, settings.edition_refresh_seconds)
    # On SQLite, most updates never hold the one connection (group commit): no gate needed.
    gate = None if single_process else connections(engine)
    dispatcher.update.outer_middleware(
        UnitOfWorkScope(sessionmaker, group_commit, gate, sealer=sealer, sealed_states=sealed)
    )
    dispatcher.update.outer_middleware(dispatcher.fsm)
    citizens = dispatcher["citizen_cache"] = CitizenCache(caches)
    dispatcher.update.outer_middleware(
        TurnMiddleware(
            editions,
            citizens,
            renderer,
            settings,
            clock,
            chat_lock_in_database=chat_lock_in_database,
            unreachable_staff=UnreachableStaff(sessionmaker, settings.staff_ids, clock),
        )
    )
    if hot_routes:
        dispatcher.update.outer_middleware(get_hot_routes())
    dispatcher.include_routers(*get_routers())

    async def publish_commands(bot: Bot) -> None:
        """Telegram's command menu, in each of the edition's languages."""
        async with UnitOfWork(sessionmaker) as uow:
            stored = await editions.get(uow)
        languages = stored.edition.languages if stored else ("fr",)
        for index, lang in enumerate(languages):
            commands = [
                BotCommand(command=name, description=i18n.gettext(f"command.{name}", locale=lang))
                for name in COMMANDS
            ]
            await bot(SetMyCommands(commands=commands, language_code=lang))
            if index == 0:
                await bot(SetMyCommands(commands=commands))

    dispatcher.startup.register(publish_commands)
    return dispatcher


# aiogram reads each answer of the Bot API as `Response[<what the method returns>]`, a pydantic
# generic model that pydantic caches only while something else refers to it: without these
# references every call builds the model class anew (0.6 ms, a sixth of an update's CPU).
_RESPONSE_MODELS: list[type] = []


def _keep_response_models() -> None:
    if _RESPONSE_MODELS:
        return
    for name in dir(methods):
        returning = getattr(getattr(methods, name), "__returning__", None)
        if returning is None or isinstance(returning, property):
            continue
        with contextlib.suppress(TypeError, PydanticSchemaGenerationError):
            _RESPONSE_MODELS.append(Response[returning])  # type: ignore[valid-type]


def create_bot(token: str, api_url: str | None = None, session: BaseSession | None = None) -> Bot:
    """A Bot on Telegram's API, or on another Bot API server when `api_url` is given."""
    _keep_response_models()
    if session is None:
        session = AiohttpSession()
        if api_url:
            session.api = TelegramAPIServer.from_base(api_url.rstrip("/"))
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
