"""Long polling confirms an update to Telegram only once it is handled: the offset given to
getUpdates never passes an update under way, nor one waiting to be tried again."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.types import Update

from bot.runtime.handling import Outcome
from bot.runtime.polling import ConfirmingPolling
from tests.support.broadcast_bot import bot_on
from tests.support.fake_bot_api import FakeBotApi
from tests.support.waiting import eventually


@pytest.fixture
async def telegram() -> AsyncIterator[tuple[FakeBotApi, Bot]]:
    api = FakeBotApi()
    runner, url = await api.start()
    bot = bot_on(url)
    yield api, bot
    await bot.session.close()
    await runner.cleanup()


def update(number: int) -> dict[str, object]:
    chat = {"id": number, "type": "private"}
    user = {"id": number, "is_bot": False, "first_name": "Ana"}
    message = {"message_id": number, "date": 0, "chat": chat, "from": user, "text": "hi"}
    return {"update_id": number, "message": message}


def offsets(api: FakeBotApi) -> list[int]:
    return [
        int(params.get("offset") or 0) for method, params in api.calls if method == "getUpdates"
    ]


async def test_an_update_under_way_is_not_confirmed_until_it_is_handled(
    telegram: tuple[FakeBotApi, Bot],
) -> None:
    api, bot = telegram
    release = asyncio.Event()
    handled: list[int] = []

    async def handle(received: Update) -> Outcome:
        if received.update_id == 10:
            await release.wait()
        handled.append(received.update_id)
        return Outcome.HANDLED

    polling = ConfirmingPolling(bot, handle, ["message"])
    running = asyncio.create_task(polling.run())
    api.updates.put_nowait(update(10))
    api.updates.put_nowait(update(11))
    await eventually(lambda: 11 in handled)
    await asyncio.sleep(0.3)
    assert max(offsets(api)) <= 10, "11 is done, but 10 is still under way"
    release.set()
    await eventually(lambda: 10 in handled)
    polling.stop()
    await running
    assert offsets(api)[-1] == 12, "both confirmed at last"
    assert api.unconfirmed == []


async def test_an_update_that_cannot_be_handled_yet_stays_with_telegram_until_it_can(
    telegram: tuple[FakeBotApi, Bot],
) -> None:
    api, bot = telegram
    outcomes = iter([Outcome.RETRY, Outcome.RETRY, Outcome.HANDLED])
    tries: list[int] = []

    async def handle(received: Update) -> Outcome:
        tries.append(received.update_id)
        return next(outcomes)

    polling = ConfirmingPolling(bot, handle, ["message"])
    running = asyncio.create_task(polling.run())
    api.updates.put_nowait(update(20))
    await eventually(lambda: len(tries) >= 2)
    assert max(offsets(api)) <= 20, "not confirmed while it fails"
    await eventually(lambda: len(tries) >= 3)
    polling.stop()
    await running
    assert tries == [20, 20, 20]
    assert offsets(api)[-1] == 21


async def test_stopping_leaves_an_update_that_could_not_be_handled_to_the_next_start(
    telegram: tuple[FakeBotApi, Bot],
) -> None:
    api, bot = telegram

    async def handle(received: Update) -> Outcome:
        return Outcome.RETRY

    polling = ConfirmingPolling(bot, handle, ["message"])
    running = asyncio.create_task(polling.run())
    api.updates.put_nowait(update(30))
    await eventually(lambda: polling.in_flight)
    polling.stop()
    await running
    assert [u["update_id"] for u in api.unconfirmed] == [30]
