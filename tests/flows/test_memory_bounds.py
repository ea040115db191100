"""However many chats a process meets, what it keeps of them in memory stays within a bound:
the most recently seen citizens and chats' states, and a lock only for a chat whose update is
being handled."""

import asyncio

import pytest
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.runtime.chat_locks import ChatLocks
from bot.runtime.fsm_storage import DatabaseStorage, current_unit_of_work
from bot.runtime.turn import CitizenCache
from storage.unit_of_work import UnitOfWork
from tests.support.app import App, consented

pytestmark = pytest.mark.slow

# Ten times as many chats as the caches may keep: a cache that never forgets would hold them all.
CHATS = 2_000
BOUND = 200


async def test_ten_times_more_chats_than_the_bound_leave_at_most_the_bound_in_memory(
    app: App, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    known = await consented(app, user_id=CHATS)
    storage = DatabaseStorage(sessionmaker, cache=True, cache_size=BOUND)
    citizens = CitizenCache(True, size=BOUND)
    locks = ChatLocks()

    async def update_of(chat: int, uow: UnitOfWork) -> None:
        async with locks.lock(StorageKey(bot_id=1, chat_id=chat, user_id=chat)):
            await storage.get_state(StorageKey(bot_id=1, chat_id=chat, user_id=chat))
            await citizens.get(uow, chat)

    # Many chats' reads in one unit of work: what is kept does not depend on it, and the test
    # stays quick.
    for first in range(1, CHATS + 1, 500):
        async with UnitOfWork(sessionmaker) as uow:
            token = current_unit_of_work.set(uow)
            try:
                for chat in range(first, first + 500):
                    await update_of(chat, uow)
                await uow.commit()
            finally:
                current_unit_of_work.reset(token)
    assert storage.cached == BOUND
    assert citizens.cached == BOUND
    assert locks.held == 0
    # A double tap waits on the chat's one lock, freed once both are handled.
    key = StorageKey(bot_id=1, chat_id=1, user_id=1)
    order = []

    async def tap(n: int) -> None:
        async with locks.lock(key):
            order.append(n)
            await asyncio.sleep(0)

    await asyncio.gather(tap(1), tap(2), tap(3))
    assert order == [1, 2, 3]
    assert locks.held == 0
    async with UnitOfWork(sessionmaker) as uow:
        assert await citizens.get(uow, CHATS) is not None, "the latest are still known"
    await known.send("/start")
    assert "💡 Deposit an idea" in known.last.labels
