"""`pbbot run --workers 2` on PostgreSQL: two processes serve one port; killed, a worker is
started again by its supervisor, and every update Telegram sends again in the meantime is
answered once."""

import asyncio
import os
import signal
import subprocess
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.tables import CitizenRow
from tests.conftest import EXAMPLE_EDITION
from tests.integration.test_killed_process import PBBOT, TOKEN, _secret, free_port, serving
from tests.support.app import AGREE
from tests.support.command_line import pbbot
from tests.support.fake_bot_api import FakeBotApi
from tests.support.processes import is_running, workers_of
from tests.support.telegram_client import TelegramClient, webhook_delivery

pytestmark = pytest.mark.slow


@pytest.fixture(params=["postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("postgres_url"))


async def handled_updates(port: int) -> float:
    """The updates handled, as /metrics reports them."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}/metrics") as response,
    ):
        exposition = await response.text()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in exposition.splitlines()
        if line.startswith("pbbot_updates_total{") and 'outcome="handled"' in line
    )


async def consent_until_answered(client: TelegramClient, chat: int) -> None:
    """As Telegram does: an update not answered 200 is sent again."""
    for update in (client.message(chat, "/start"), None):
        if update is None:
            update = client.press(chat, AGREE["en"])
        for _ in range(200):
            if await client.post(update) == 200:
                break
            await asyncio.sleep(0.1)


async def test_two_workers_serve_one_port_and_a_killed_one_is_started_again(
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = database_url.replace("+asyncpg", "")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    assert (await asyncio.to_thread(pbbot, "edition", "load", str(EXAMPLE_EDITION)))[0] == 0
    api = FakeBotApi()
    runner, api_url = await api.start()
    port = free_port()
    webhook = f"http://127.0.0.1:{port}/tg"
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": url,
        "BOT_API_URL": api_url,
        "HTTP_PORT": str(port),
        "LOG_FORMAT": "text",
    }
    supervisor = await asyncio.create_subprocess_exec(
        PBBOT,
        "run",
        "--workers",
        "2",
        "--webhook",
        webhook,
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "bot.log").open("w"),
    )
    client = TelegramClient(api, webhook_delivery(webhook, _secret(TOKEN)))
    try:
        await serving(port)
        for _ in range(300):
            if len(workers_of(supervisor.pid)) == 2:
                break
            await asyncio.sleep(0.1)
        workers = workers_of(supervisor.pid)
        assert len(workers) == 2
        seen = set(workers)
        await asyncio.gather(*(consent_until_answered(client, chat) for chat in range(1, 21)))
        os.kill(workers[0], signal.SIGKILL)
        await asyncio.gather(*(consent_until_answered(client, chat) for chat in range(21, 41)))
        for _ in range(300):
            alive = workers_of(supervisor.pid)
            if len(alive) == 2 and workers[0] not in alive:
                break
            await asyncio.sleep(0.1)
        assert len(workers_of(supervisor.pid)) == 2, "the killed worker is started again"
        seen.update(workers_of(supervisor.pid))
        async with sessionmaker() as session:
            citizens = await session.scalar(select(func.count()).select_from(CitizenRow))
        assert citizens == 40
        assert all(any("Thank you" in text for text in client.texts(chat)) for chat in range(1, 41))
        methods = [method for method, _ in api.calls]
        assert methods.count("setWebhook") == 1, "the webhook is set once, by the supervisor"
        # Whichever worker answers the scrape adds up every worker's figures, the killed one's
        # included: 40 consents of two updates each.
        assert await handled_updates(port) >= 80
    finally:
        supervisor.send_signal(signal.SIGTERM)
        await asyncio.wait_for(supervisor.wait(), timeout=60)
        await runner.cleanup()
    assert supervisor.returncode == 0
    assert not [pid for pid in seen if is_running(pid)], "no worker outlives its supervisor"
