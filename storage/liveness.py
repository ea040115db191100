"""Which processes are alive, as PostgreSQL sees them: a process holds, for as long as it runs,
an advisory lock under a key of its own, on a connection kept for that; when the process dies
its connection closes and the lock is gone at once. Rows a process marked as being worked on
(a campaign message under way) carry its key, so that another process can tell, without
waiting for them to grow old, that nobody is working on them any more."""

import secrets

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

# Chats lock their own (positive) ids, jobs small negative numbers: processes take keys below.
_KEYS_BELOW = -1_000_000


class Liveness:
    """Held from `hold` to `release` (or the process's death)."""

    def __init__(self) -> None:
        self.key = _KEYS_BELOW - secrets.randbelow(2**62)
        self._connection: AsyncConnection | None = None

    async def hold(self, engine: AsyncEngine) -> int:
        connection = await engine.connect()
        await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": self.key})
        await connection.commit()
        self._connection = connection
        return self.key

    async def release(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None


async def dead(session: AsyncSession, keys: set[int]) -> set[int]:
    """The keys whose process no longer holds its lock: taken (and given back) at once."""
    gone = set()
    for key in sorted(keys):
        taken = await session.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
        if taken:
            await session.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            gone.add(key)
    return gone
