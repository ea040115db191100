from collections.abc import AsyncIterator

import pytest
from aiogram import Bot

from tests.support.broadcast_bot import bot_on
from tests.support.fake_bot_api import FakeBotApi


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """Every storage test runs on SQLite, and on PostgreSQL when a server is reachable."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite+aiosqlite:///{tmp_path / 'pbbot.db'}"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """The fake Bot API server, with no flood control unless a test sets one."""
    fake = FakeBotApi()
    runner, _ = await fake.start()
    yield fake
    await runner.cleanup()


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    bot = bot_on(api.url)
    yield bot
    await bot.session.close()
