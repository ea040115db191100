"""One update of a chat at a time: a double tap is handled after the first tap, and sees what
it changed. Within a process an asyncio lock per chat, kept only while an update of that chat
holds or waits for it; across processes, a lock in Redis (aiogram's RedisEventIsolation) when
REDIS_URL is set, or else one in PostgreSQL taken by each update's transaction (see
storage.updates.claim_chat)."""

import asyncio
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from aiogram.fsm.storage.base import BaseEventIsolation, StorageKey


class ChatLocks(BaseEventIsolation):
    def __init__(self) -> None:
        # The chat's lock and how many updates hold or wait for it.
        self._locks: dict[StorageKey, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    @property
    def held(self) -> int:
        return len(self._locks)

    async def close(self) -> None:
        self._locks.clear()


class ChatLocksAcross(BaseEventIsolation):
    """The process's lock first, so that only one update of a chat per process waits on the
    shared one (Redis' lock is polled: waiting in memory is cheaper)."""

    def __init__(self, local: ChatLocks, shared: BaseEventIsolation) -> None:
        self.local = local
        self.shared = shared

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        async with self.local.lock(key), self.shared.lock(key):
            yield

    async def close(self) -> None:
        await self.local.close()
        await self.shared.close()
