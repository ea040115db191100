"""A bot process killed (kill -9) between committing an update's work and sending its reply:
after a restart Telegram delivers the update again, it is not applied a second time, and the
citizen gets the answer the dead process never sent. Long polling on SQLite, the webhook on
PostgreSQL, each with the real `pbbot run` in a process of its own."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.tables import IdeaRow
from tests.conftest import EXAMPLE_EDITION
from tests.support.app import AGREE
from tests.support.command_line import pbbot
from tests.support.fake_bot_api import FakeBotApi
from tests.support.telegram_client import TelegramClient, polling_delivery, webhook_delivery
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

PBBOT = str(Path(sys.executable).with_name("pbbot"))
TOKEN = "123456:TEST-token"
CHAT = 77


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    fake = FakeBotApi()
    runner, _ = await fake.start()
    yield fake
    await runner.cleanup()


class BotProcess:
    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            PBBOT,
            "run",
            cwd=self.workdir,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=(self.workdir / "bot.log").open("a"),
        )

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.process.wait(), timeout=30)


async def ideas(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(IdeaRow)) or 0)


async def to_the_preview(client: TelegramClient) -> None:
    steps: list[Callable[[], Awaitable[int]]] = [
        lambda: client.send(CHAT, "/start"),
        lambda: client.click(CHAT, AGREE["en"]),
        lambda: client.click(CHAT, "💡 Deposit an idea"),
        lambda: client.click(CHAT, "✍️ Start my idea"),
        lambda: client.click(CHAT, "🙋 Myself"),
        lambda: client.send(CHAT, "A fountain on the square"),
        lambda: client.send(CHAT, "Drinking water for everyone."),
        lambda: client.click(CHAT, "Skip ⏭"),
        lambda: client.click(CHAT, "Skip ⏭"),
        lambda: client.click(CHAT, "Environment and biodiversity"),
        lambda: client.click(CHAT, "Skip ⏭"),
        lambda: client.click(CHAT, "Skip ⏭"),
        lambda: client.click(CHAT, "Skip ⏭"),
        lambda: client.send(CHAT, "12 500"),
        lambda: client.click(CHAT, "Skip ⏭"),
    ]
    for step in steps:
        assert await step() == 200


@pytest.mark.parametrize(
    ("database_url", "mode"),
    [("sqlite", "polling"), ("postgresql", "webhook")],
    indirect=["database_url"],
)
async def test_a_process_killed_after_its_commit_answers_after_a_restart_and_applies_once(
    mode: str,
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    api: FakeBotApi,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = database_url.replace("+asyncpg", "").replace("+aiosqlite", "")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    assert (await asyncio.to_thread(pbbot, "edition", "load", str(EXAMPLE_EDITION)))[0] == 0
    port = free_port()
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": url,
        "BOT_API_URL": api.url,
        "HTTP_PORT": str(port),
        "LOG_FORMAT": "text",
    }
    if mode == "webhook":
        env["WEBHOOK_URL"] = f"http://127.0.0.1:{port}/tg"
        delivery = webhook_delivery(env["WEBHOOK_URL"], _secret(TOKEN))
    else:
        delivery = polling_delivery(api)
    client = TelegramClient(api, delivery)
    bot = BotProcess(tmp_path, env)
    await bot.start()
    try:
        await serving(port)
        await to_the_preview(client)
        api.held[CHAT] = asyncio.Event()
        publish = client.press(CHAT, "✅ Publish")
        publishing = asyncio.create_task(client.post(publish))
        for _ in range(500):
            if await ideas(sessionmaker) == 1:
                break
            await asyncio.sleep(0.02)
        assert await ideas(sessionmaker) == 1, "the idea is committed"
        await asyncio.sleep(0.2)
        await bot.kill()
        publishing.cancel()
        api.held[CHAT].set()
        assert not any("has been deposited" in text for text in client.texts(CHAT))

        await bot.start()
        await serving(port)
        if mode == "webhook":
            # Telegram sends an update again until it is answered 200.
            for _ in range(300):
                if await client.post(publish) == 200:
                    break
                await asyncio.sleep(0.2)
        else:
            await eventually(lambda: not api.unconfirmed and api.updates.empty(), 60)
        confirmations = [text for text in client.texts(CHAT) if "has been deposited" in text]
        assert len(confirmations) == 1, "the author is told the number, once"
        assert await ideas(sessionmaker) == 1, "the re-delivered update is not applied again"
    finally:
        await bot.stop()


async def serving(port: int) -> None:
    """Until the process answers /healthz (it serves /healthz in both modes)."""
    import aiohttp

    async with aiohttp.ClientSession() as session:
        for _ in range(600):
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError("the bot did not start")


def _secret(token: str) -> str:
    from bot.runtime.settings import Settings

    return Settings(_env_file=None, bot_token=token).secret_token
