"""`pbbot run`: serve the edition on Telegram."""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.support import bot_token, fail, load_settings, prepared_engine

if TYPE_CHECKING:
    from bot.runtime.settings import Settings


def run(
    api_url: Annotated[
        str | None,
        typer.Option("--api-url", help="Another Bot API server (setting BOT_API_URL)."),
    ] = None,
) -> None:
    """Start the bot with long polling."""
    from aiogram.exceptions import TelegramUnauthorizedError

    settings = load_settings()
    token = bot_token(settings)
    if token is None:
        raise fail("BOT_TOKEN is not set: ask @BotFather for one and put it in .env")
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        asyncio.run(_run(settings, token, api_url or settings.bot_api_url))
    except TelegramUnauthorizedError:
        raise fail("Telegram refused BOT_TOKEN (Unauthorized): check it with @BotFather") from None
    except KeyboardInterrupt:
        pass


async def _run(settings: Settings, token: str, api_url: str | None) -> None:
    from bot.jobs.campaigns import Broadcaster
    from bot.runtime.dispatcher import build_dispatcher, create_bot, utc_now
    from bot.runtime.i18n import create_i18n
    from bot.runtime.render import Renderer
    from storage.database import create_sessionmaker
    from storage.unit_of_work import UnitOfWork

    engine = await prepared_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    async with UnitOfWork(sessionmaker) as uow:
        stored = await uow.editions.current(settings.edition)
    if stored is None:
        raise fail("no edition is loaded: run `pbbot edition load examples/namur.toml` first")
    bot = create_bot(token, api_url)
    dispatcher = build_dispatcher(settings, sessionmaker, create_i18n())
    # The ~250 000 objects of the imported libraries never die: leave them out of garbage
    # collection, whose full passes over them would otherwise stall every chat for 100 ms.
    gc.collect()
    gc.freeze()
    broadcaster = Broadcaster(
        bot,
        sessionmaker,
        Renderer(create_i18n()),
        settings.edition,
        settings.broadcast_per_second,
        utc_now,
    )
    broadcasting = asyncio.create_task(broadcaster.serve())
    try:
        await bot.delete_webhook(drop_pending_updates=False)
        await dispatcher.start_polling(bot, handle_signals=True)
    finally:
        broadcasting.cancel()
        await bot.session.close()
        await engine.dispose()
