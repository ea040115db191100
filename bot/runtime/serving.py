"""A running bot: the checks made before serving (each failure one line naming what to fix),
the background jobs, and the updates taken from Telegram by webhook or by long polling, in one
process or several (`--workers`, on PostgreSQL, all serving one port)."""

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramUnauthorizedError
from aiogram.fsm.storage.base import BaseEventIsolation, DefaultKeyBuilder
from aiogram.types import Update
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.jobs.campaigns import Broadcaster
from bot.jobs.integrity import IntegrityJob
from bot.jobs.publication import publish_when_closed
from bot.jobs.retention import purge_daily
from bot.runtime import collection
from bot.runtime.chat_locks import ChatLocks, ChatLocksAcross
from bot.runtime.dispatcher import build_dispatcher, create_bot, utc_now
from bot.runtime.handling import Outcome, handle_update
from bot.runtime.i18n import create_i18n
from bot.runtime.logs import configure_logging
from bot.runtime.polling import ConfirmingPolling
from bot.runtime.render import Renderer
from bot.runtime.settings import Settings
from bot.runtime.unreachable_staff import warn_at_start
from bot.runtime.web import ConfirmingWebhook, Readiness, web_application
from storage.database import create_engine, create_sessionmaker, is_sqlite
from storage.keys import check_key, open_sealer
from storage.liveness import Liveness
from storage.migrate import current_revision, head_revision, upgrade
from storage.sealing import KeyFileError, Sealer
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger("pbbot")

CONNECT_TIMEOUT = 10.0
# Telegram re-delivers an update for a day at most; records of handled ones are kept longer.
PROCESSED_KEPT = timedelta(days=2)
HOUSEKEEPING_SECONDS = 3600.0


class StartupError(Exception):
    """Why the bot cannot start, in one line that names what to fix."""


def secrets_of(settings: Settings) -> list[str]:
    """What must never be written to a log."""
    secrets = [settings.token, settings.secret_token]
    for url in (settings.database_url, settings.redis_url or ""):
        with contextlib.suppress(ValueError):
            password = urlsplit(url).password
            if password:
                secrets.append(password)
    return secrets


def check_settings(settings: Settings) -> None:
    if settings.bot_api_url:
        try:
            parts = urlsplit(settings.bot_api_url)
            parts.port  # noqa: B018 - a bad port raises here
        except ValueError as error:
            raise StartupError(f"BOT_API_URL is not a valid address ({error})") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise StartupError("BOT_API_URL must look like https://host[:port]")
    if settings.webhook_url:
        try:
            parts = urlsplit(settings.webhook_url)
        except ValueError as error:
            raise StartupError(f"WEBHOOK_URL is not a valid address ({error})") from None
        # Telegram posts to https only; a Bot API server of one's own may post to http.
        schemes = ("https", "http") if settings.bot_api_url else ("https",)
        if parts.scheme not in schemes or not parts.hostname:
            raise StartupError(
                "WEBHOOK_URL must be a public https address, e.g. https://pb.example.org/telegram"
            )
    if settings.workers > 1 and not settings.webhook_url:
        raise StartupError(
            "--workers needs the webhook (WEBHOOK_URL or --webhook): long polling is one process"
        )
    if settings.workers > 1 and is_sqlite(settings.database_url):
        raise StartupError(
            "several workers need PostgreSQL: a SQLite file takes one process "
            "(set DATABASE_URL=postgresql://... or use one worker)"
        )


def _reason(error: BaseException) -> str:
    """An error's cause in a few words, without a traceback."""
    root: BaseException = error
    while root.__cause__ is not None:
        root = root.__cause__
    message = str(root).strip().splitlines()[0] if str(root).strip() else ""
    return f"{type(root).__name__}: {message}"[:200] if message else type(root).__name__


def open_key(settings: Settings) -> Sealer:
    try:
        return open_sealer(settings.secret_key_file)
    except KeyFileError as error:
        raise StartupError(str(error)) from None


async def open_database(settings: Settings, migrate: bool, sealer: Sealer) -> AsyncEngine:
    """Reach the database and bring its schema up to date (SQLite), or check that it is
    (PostgreSQL: `pbbot migrate` does it once for every process); check that the key file is
    this database's."""
    engine = create_engine(settings.database_url)
    where = urlsplit(settings.database_url.replace("+asyncpg", "").replace("+aiosqlite", ""))
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        if migrate or is_sqlite(settings.database_url):
            await upgrade(engine, sealer=sealer)
        else:
            current, head = await current_revision(engine), head_revision()
            if current != head:
                raise StartupError(
                    f"the database schema is at {current or 'nothing'}, the bot needs {head}: "
                    "run `pbbot migrate` first"
                )
        await check_key(engine, sealer, settings.secret_key_file)
    except KeyFileError as error:
        await engine.dispose()
        raise StartupError(str(error)) from None
    except StartupError:
        await engine.dispose()
        raise
    except Exception as error:
        await engine.dispose()
        place = (
            where.path
            if is_sqlite(settings.database_url)
            else f"{where.hostname}:{where.port or 5432}"
        )
        raise StartupError(
            f"cannot reach the database at {place} ({_reason(error)}): check DATABASE_URL"
        ) from None
    return engine


async def open_bot(settings: Settings) -> Bot:
    bot = create_bot(settings.token, settings.bot_api_url)
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            await bot.get_me()
    except TelegramUnauthorizedError:
        await bot.session.close()
        raise StartupError(
            "Telegram refused BOT_TOKEN (Unauthorized): check it with @BotFather"
        ) from None
    except (TelegramNetworkError, TimeoutError, OSError) as error:
        await bot.session.close()
        where = settings.bot_api_url or "https://api.telegram.org"
        raise StartupError(
            f"cannot reach Telegram's Bot API at {where} ({_reason(error)}): "
            "check the network or BOT_API_URL"
        ) from None
    except TelegramAPIError as error:
        await bot.session.close()
        raise StartupError(f"Telegram answered {error.message!r} to getMe") from None
    return bot


async def open_isolation(settings: Settings) -> BaseEventIsolation:
    local = ChatLocks()
    if not settings.redis_url:
        return local
    from aiogram.fsm.storage.redis import RedisEventIsolation
    from redis.asyncio import Redis

    redis = Redis.from_url(settings.redis_url)
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            await redis.ping()
    except Exception as error:
        await redis.aclose()
        where = urlsplit(settings.redis_url)
        raise StartupError(
            f"cannot reach Redis at {where.hostname}:{where.port or 6379} ({_reason(error)}): "
            "check REDIS_URL"
        ) from None
    # A lock left by a killed process frees itself after this long.
    shared = RedisEventIsolation(
        redis, key_builder=DefaultKeyBuilder(with_bot_id=True), lock_kwargs={"timeout": 30}
    )
    return ChatLocksAcross(local, shared)


@dataclass
class Running:
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    bot: Bot
    dispatcher: Dispatcher
    sealer: Sealer


async def start(settings: Settings, migrate: bool) -> Running:
    sealer = open_key(settings)
    engine = await open_database(settings, migrate, sealer)
    sessionmaker = create_sessionmaker(engine)
    async with UnitOfWork(sessionmaker) as uow:
        stored = await uow.editions.current(settings.edition)
    if stored is None:
        await engine.dispose()
        raise StartupError(
            "no edition is loaded: run `pbbot edition load examples/namur.toml` first"
        )
    await warn_at_start(sessionmaker)
    try:
        bot = await open_bot(settings)
        isolation = await open_isolation(settings)
    except StartupError:
        await engine.dispose()
        raise
    dispatcher = build_dispatcher(
        settings,
        sessionmaker,
        create_i18n(),
        events_isolation=isolation,
        chat_lock_in_database=not settings.redis_url and not is_sqlite(settings.database_url),
        sealer=sealer,
    )
    return Running(engine, sessionmaker, bot, dispatcher, sealer)


async def housekeeping(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    while True:
        try:
            async with UnitOfWork(sessionmaker) as uow:
                await uow.updates.forget_before(datetime.now(UTC) - PROCESSED_KEPT)
                await uow.commit()
        except Exception:  # one failed pass must not end housekeeping for good
            logger.exception("housekeeping failed")
        await asyncio.sleep(HOUSEKEEPING_SECONDS)


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)


async def serve(
    settings: Settings, *, migrate: bool, set_webhook: bool = True, reuse_port: bool = False
) -> None:
    """Serve until SIGINT or SIGTERM."""
    running = await start(settings, migrate)
    bot, dispatcher = running.bot, running.dispatcher
    collection.settle()
    stop = asyncio.Event()
    _stop_on_signals(stop)
    liveness = Liveness()
    postgresql = running.engine.dialect.name == "postgresql"
    broadcaster = Broadcaster(
        bot,
        running.sessionmaker,
        Renderer(create_i18n()),
        settings.edition,
        settings.broadcast_per_second / settings.workers,
        utc_now,
        claimer=await liveness.hold(running.engine) if postgresql else None,
        paid_per_second=settings.paid_broadcast_per_second / settings.workers,
    )
    integrity = IntegrityJob(
        bot,
        running.sessionmaker,
        Renderer(create_i18n()),
        settings.edition,
        settings.staff_ids,
        running.sealer,
    )
    jobs = [
        asyncio.create_task(broadcaster.serve()),
        asyncio.create_task(integrity.serve(utc_now)),
        asyncio.create_task(housekeeping(running.sessionmaker)),
        asyncio.create_task(
            publish_when_closed(
                running.sessionmaker,
                running.sealer,
                settings.edition,
                utc_now,
                Renderer(create_i18n()),
            )
        ),
        asyncio.create_task(
            purge_daily(
                running.sessionmaker,
                settings.edition,
                timedelta(days=settings.retention_days),
                utc_now,
            )
        ),
    ]
    readiness = Readiness(running.engine, bot)
    allowed = dispatcher.resolve_used_update_types()

    async def handle(update: Update) -> Outcome:
        return await handle_update(dispatcher, bot, update)

    runner: web.AppRunner | None = None
    try:
        await dispatcher.emit_startup(bot=bot, dispatcher=dispatcher)
        if settings.webhook_url:
            path = urlsplit(settings.webhook_url).path or "/"
            webhook = ConfirmingWebhook(dispatcher, bot, settings.secret_token)
            runner = await _listen(
                web_application(readiness.problems, webhook, path), settings, reuse_port
            )
            if set_webhook:
                await bot.set_webhook(
                    settings.webhook_url,
                    secret_token=settings.secret_token,
                    allowed_updates=allowed,
                    max_connections=settings.webhook_max_connections,
                    drop_pending_updates=False,
                )
            logger.info("serving the webhook at %s", settings.webhook_url)
            await stop.wait()
        else:
            runner = await _listen(web_application(readiness.problems), settings, reuse_port)
            await bot.delete_webhook(drop_pending_updates=False)
            polling = ConfirmingPolling(bot, handle, allowed)
            logger.info("long polling Telegram")
            stopper = asyncio.create_task(_stop_after(stop, polling.stop))
            await polling.run()
            stopper.cancel()
    finally:
        for job in jobs:
            job.cancel()
        if runner is not None:
            await runner.cleanup()
        with contextlib.suppress(Exception):
            await dispatcher.emit_shutdown(bot=bot, dispatcher=dispatcher)
        await liveness.release()
        await bot.session.close()
        await running.engine.dispose()


async def _stop_after(stop: asyncio.Event, then: Callable[[], None]) -> None:
    await stop.wait()
    then()


async def _listen(app: web.Application, settings: Settings, reuse_port: bool) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(
        runner, settings.http_host, settings.http_port, reuse_port=reuse_port or None
    )
    try:
        await site.start()
    except OSError as error:
        await runner.cleanup()
        raise StartupError(
            f"cannot listen on {settings.http_host}:{settings.http_port} ({error.strerror}): "
            "set HTTP_PORT to a free port"
        ) from None
    return runner


# -- several processes ---------------------------------------------------------------------

RESTART_PAUSE = 1.0


def run(settings: Settings) -> None:
    """Serve in this process, or supervise `settings.workers` processes serving one port."""
    configure_logging(settings.log_format, secrets_of(settings))
    check_settings(settings)
    if settings.workers == 1:
        asyncio.run(serve(settings, migrate=False))
        return
    asyncio.run(_prepare_workers(settings))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="pbbot-metrics-")
    Supervisor(settings).run()


async def _prepare_workers(settings: Settings) -> None:
    """What one process does for all before they start: the checks, and the webhook set once."""
    running = await start(settings, migrate=False)
    try:
        await running.bot.set_webhook(
            str(settings.webhook_url),
            secret_token=settings.secret_token,
            allowed_updates=running.dispatcher.resolve_used_update_types(),
            max_connections=settings.webhook_max_connections,
            drop_pending_updates=False,
        )
    finally:
        await running.bot.session.close()
        await running.engine.dispose()


def worker_main(settings: Settings, index: int) -> None:
    configure_logging(settings.log_format, secrets_of(settings))
    logging.getLogger("pbbot").info("worker %s starting", index)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(settings, migrate=False, set_webhook=False, reuse_port=True))


class Supervisor:
    """Starts the workers, starts again one that died, stops them all on SIGINT or SIGTERM."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # Workers are forked from a clean process that imported the bot once: a worker that
        # died starts serving again without seconds of imports first. The fork server starts
        # after PROMETHEUS_MULTIPROC_DIR is set, so its workers write their metrics there.
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload([__name__])
        self.workers: dict[int, Any] = {}
        self.stopping = False

    def _start(self, index: int) -> None:
        process = self.context.Process(
            target=worker_main, args=(self.settings, index), name=f"pbbot-worker-{index}"
        )
        process.start()
        self.workers[index] = process

    def _stop(self, *_: object) -> None:
        self.stopping = True

    def run(self) -> None:
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGTERM, self._stop)
        for index in range(self.settings.workers):
            self._start(index)
        logger.info("%s workers serving the webhook", self.settings.workers)
        while not self.stopping:
            time.sleep(0.2)
            for index, process in list(self.workers.items()):
                if process.is_alive() or self.stopping:
                    continue
                from prometheus_client import multiprocess

                multiprocess.mark_process_dead(process.pid)  # type: ignore[no-untyped-call]
                logger.warning(
                    "worker %s stopped (exit code %s); starting it again", index, process.exitcode
                )
                time.sleep(RESTART_PAUSE)
                self._start(index)
        for process in self.workers.values():
            if process.is_alive():
                process.terminate()
        for process in self.workers.values():
            process.join(timeout=25)
            if process.is_alive():
                process.kill()


Serve = Callable[[], Awaitable[None]]
