"""The bot's HTTP side: Telegram's webhook, and what operations ask of a running process
(/healthz: it is up; /readyz: it can serve, the database and Telegram answer; /metrics).

The webhook answers Telegram only once the update's work is committed and its replies sent
(aiogram's handler, kept for its secret check and routing, but never in the background): an
update a crash interrupted is not answered 200, and Telegram sends it again."""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.runtime.handling import handle_update
from bot.runtime.metrics import ERRORS, exposition

logger = logging.getLogger("pbbot.web")

# How long a successful readiness check of Telegram is trusted (getMe costs Telegram a call).
TELEGRAM_CHECK_SECONDS = 30.0
CHECK_TIMEOUT = 3.0


class ConfirmingWebhook(SimpleRequestHandler):
    def __init__(self, dispatcher: Dispatcher, bot: Bot, secret_token: str) -> None:
        super().__init__(dispatcher, bot, handle_in_background=False, secret_token=secret_token)

    async def handle(self, request: web.Request) -> web.Response:
        if not self.verify_secret(
            request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), self.bot
        ):
            ERRORS.labels("webhook_secret").inc()
            logger.warning(
                "webhook request refused: wrong or missing secret token, from %s", request.remote
            )
            return web.Response(status=401, text="Unauthorized")
        try:
            update = Update.model_validate(
                await request.json(loads=self.bot.session.json_loads), context={"bot": self.bot}
            )
        except (ValueError, ValidationError):
            logger.warning("webhook request refused: not an update")
            return web.Response(status=400, text="Bad Request")
        outcome = await handle_update(self.dispatcher, self.bot, update)
        if not outcome.confirmed:
            # Telegram sends it again later: by then the database may be back.
            return web.Response(status=503, text="Try again later")
        return web.json_response({})


class Readiness:
    def __init__(self, engine: AsyncEngine, bot: Bot) -> None:
        self.engine = engine
        self.bot = bot
        self._telegram_ok_at = float("-inf")

    async def problems(self) -> list[str]:
        problems = []
        try:
            async with asyncio.timeout(CHECK_TIMEOUT), self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as error:
            problems.append(f"database: {type(error).__name__}")
        if time.monotonic() - self._telegram_ok_at > TELEGRAM_CHECK_SECONDS:
            try:
                async with asyncio.timeout(CHECK_TIMEOUT):
                    await self.bot.get_me()
                self._telegram_ok_at = time.monotonic()
            except (TelegramAPIError, TimeoutError, OSError) as error:
                problems.append(f"telegram: {type(error).__name__}")
        return problems


Check = Callable[[], Awaitable[list[str]]]


def operations_routes(app: web.Application, readiness: Check) -> None:
    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "up"})

    async def readyz(request: web.Request) -> web.Response:
        problems = await readiness()
        if problems:
            return web.json_response({"status": "not ready", "problems": problems}, status=503)
        return web.json_response({"status": "ready"})

    async def metrics(request: web.Request) -> web.Response:
        body, content_type = exposition()
        return web.Response(body=body, headers={"Content-Type": content_type})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)


def web_application(
    readiness: Check, webhook: ConfirmingWebhook | None = None, webhook_path: str = ""
) -> web.Application:
    app = web.Application()
    operations_routes(app, readiness)
    if webhook is not None:
        app.router.add_post(webhook_path, webhook.handle)
    return app
