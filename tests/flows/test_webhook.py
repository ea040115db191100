"""The webhook as Telegram uses it: an update is answered only once its work is committed and
its reply sent; a second delivery is applied once and answered again; a request without the
secret is refused; an unreachable database asks Telegram to come back later."""

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.runtime.dispatcher import build_dispatcher
from bot.runtime.settings import Settings
from bot.runtime.web import ConfirmingWebhook, Readiness, web_application
from storage.database import create_engine, create_sessionmaker
from storage.tables import CitizenRow, IdeaRow
from tests.support.app import _CATALOGUES, AGREE, TEST_SEALER, Clock
from tests.support.broadcast_bot import bot_on
from tests.support.deliveries import TOKEN
from tests.support.fake_bot_api import FakeBotApi
from tests.support.telegram_client import TelegramClient, webhook_delivery

SECRET = "s3cret-for-the-webhook"


@dataclass
class Served:
    url: str
    api: FakeBotApi
    client: TelegramClient
    sessionmaker: async_sessionmaker[AsyncSession]

    async def count(self, table: type) -> int:
        async with self.sessionmaker() as session:
            from sqlalchemy import func, select

            return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def serve(
    sessionmaker: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> AsyncIterator[Served]:
    api = FakeBotApi()
    api_runner, api_url = await api.start()
    bot = bot_on(api_url)
    dispatcher = build_dispatcher(
        Settings(_env_file=None), sessionmaker, _CATALOGUES, Clock(), sealer=TEST_SEALER
    )
    webhook = ConfirmingWebhook(dispatcher, bot, SECRET)
    app = web_application(Readiness(engine, bot).problems, webhook, "/tg")
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}"
    client = TelegramClient(api, webhook_delivery(f"{url}/tg", SECRET))
    try:
        yield Served(url, api, client, sessionmaker)
    finally:
        await runner.cleanup()
        await bot.session.close()
        await api_runner.cleanup()


@pytest.fixture
async def served(
    sessionmaker: async_sessionmaker[AsyncSession], engine: AsyncEngine, edition_id: int
) -> AsyncIterator[Served]:
    async for running in serve(sessionmaker, engine):
        yield running


async def test_an_update_is_answered_only_once_its_work_is_kept_and_its_reply_sent(
    served: Served,
) -> None:
    client = served.client
    assert await client.send(7, "/start") == 200
    served.api.held[7] = asyncio.Event()
    answering = asyncio.create_task(client.click(7, AGREE["en"]))
    for _ in range(100):
        if await served.count(CitizenRow):
            break
        await asyncio.sleep(0.02)
    assert await served.count(CitizenRow) == 1, "the consent is committed"
    assert not answering.done(), "but Telegram is not answered while the reply is under way"
    served.api.held[7].set()
    assert await answering == 200
    assert any("Thank you" in text for text in client.texts(7))


async def test_a_second_delivery_of_an_update_is_applied_once_and_answered_again(
    served: Served,
) -> None:
    client = served.client
    await client.send(7, "/start")
    await client.click(7, AGREE["en"])
    await client.click(7, "💡 Deposit an idea")
    await client.click(7, "✍️ Start my idea")
    await client.click(7, "🙋 Myself")
    for answer in ("A fountain on the square", "Drinking water for everyone."):
        await client.send(7, answer)
    for label in ("Skip ⏭", "Skip ⏭", "Environment and biodiversity", "Skip ⏭", "Skip ⏭"):
        await client.click(7, label)
    await client.click(7, "Skip ⏭")
    await client.send(7, "12 500")
    await client.click(7, "Skip ⏭")
    await client.click(7, "✅ Publish")
    publish = client.last_update
    confirmations = [text for text in client.texts(7) if "has been deposited" in text]
    assert len(confirmations) == 1
    assert await client.post(publish) == 200, "Telegram sends it again"
    assert await served.count(IdeaRow) == 1
    again = [text for text in client.texts(7) if "has been deposited" in text]
    assert len(again) == 2 and again[0] == again[1], "the same answer, sent again"


async def test_a_request_without_the_right_secret_is_refused_and_the_token_never_logged(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    update = served.client.message(7, "/start")
    async with aiohttp.ClientSession() as session:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
            async with session.post(f"{served.url}/tg", json=update, headers=headers) as response:
                assert response.status == 401
    assert served.api.chat(7) == [], "nothing was handled"
    refusals = [r for r in caplog.records if "wrong or missing secret" in r.getMessage()]
    assert len(refusals) == 2
    assert all(TOKEN not in r.getMessage() and SECRET not in r.getMessage() for r in refusals)


async def test_operations_read_health_readiness_and_metrics(served: Served) -> None:
    await served.client.send(7, "/start")
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{served.url}/healthz") as response:
            assert response.status == 200
        async with session.get(f"{served.url}/readyz") as response:
            assert (response.status, (await response.json())["status"]) == (200, "ready")
        async with session.get(f"{served.url}/metrics") as response:
            metrics = await response.text()
    assert 'pbbot_updates_total{outcome="handled",type="message"}' in metrics
    assert "pbbot_update_seconds_bucket" in metrics


async def test_with_the_database_out_of_reach_telegram_is_asked_to_come_back(
    edition_id: int,
) -> None:
    unreachable = create_engine("postgresql://pbbot@127.0.0.1:9/none")
    async for running in serve(create_sessionmaker(unreachable), unreachable):
        assert await running.client.send(7, "/start") == 503
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{running.url}/readyz") as response,
        ):
            body = await response.json()
        assert response.status == 503
        assert body["problems"][0].startswith("database")
        assert running.api.chat(7) == [], "no apology for what will be handled later"
    await unreachable.dispose()


@pytest.fixture(autouse=True)
def _quiet(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
