"""Where each chat stands in a conversation, kept in the database so a restart loses nothing."""

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Delete, Insert, Table, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from storage.tables import ConversationStateRow

Entry = tuple[str | None, dict[str, Any]]


class ConversationStates:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, key: str) -> Entry:
        row = (
            await self.session.execute(
                select(ConversationStateRow.state, ConversationStateRow.data).where(
                    ConversationStateRow.key == key
                )
            )
        ).first()
        if row is None:
            return None, {}
        return row.state, dict(row.data)

    async def put(self, entries: Mapping[str, Entry]) -> None:
        """Store chats' states and data; a chat with neither leaves no row behind."""
        await put_states(self.session, entries)


async def put_states(
    executor: AsyncSession | AsyncConnection, entries: Mapping[str, Entry]
) -> None:
    """One statement for all the chats that keep a state, one for those that leave."""
    now = datetime.now(UTC)
    gone = [{"gone_key": key} for key, (state, data) in entries.items() if not (state or data)]
    kept = [
        {"key": key, "state": state, "data": data, "updated_at": now}
        for key, (state, data) in entries.items()
        if state or data
    ]
    bind = executor if isinstance(executor, AsyncConnection) else executor.get_bind()
    statements = _statements(bind.dialect.name)
    if gone:
        await executor.execute(statements.delete, gone)
    if kept:
        await executor.execute(statements.upsert, kept)


@dataclass(frozen=True)
class _Statements:
    delete: Delete
    upsert: Insert


@cache
def _statements(dialect: str) -> _Statements:
    """Built once: building and keying a statement costs more than running it on SQLite."""
    # The Core table, not the mapped class: many rows in one statement (executemany).
    table = cast(Table, ConversationStateRow.__table__)
    # SQLite and PostgreSQL both know INSERT ... ON CONFLICT; each has its construct.
    insert = (sqlite if dialect == "sqlite" else postgresql).insert(table)
    upsert = insert.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "state": insert.excluded.state,
            "data": insert.excluded.data,
            "updated_at": insert.excluded.updated_at,
        },
    )
    return _Statements(delete(table).where(table.c.key == bindparam("gone_key")), upsert)


class GroupCommit:
    """Commits the state changes of many updates in one transaction.

    An update whose only write is its chat's state (most steps of a form) hands that write
    here and waits until it is committed; the writes that arrive meanwhile go together in the
    next transaction. Each update still sees its own write committed before it answers, but
    SQLite commits once for many chats instead of once per chat."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._pending: dict[str, Entry] = {}
        self._waiting: list[asyncio.Future[None]] = []
        self._flushing: asyncio.Task[None] | None = None

    async def write(self, entries: Mapping[str, Entry]) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.update(entries)
        self._waiting.append(done)
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        while self._waiting:
            batch, waiting = self._pending, self._waiting
            self._pending, self._waiting = {}, []
            try:
                # A bare connection: none of a session's bookkeeping is needed here.
                async with self._engine.begin() as connection:
                    await put_states(connection, batch)
            except Exception as error:  # every writer of the batch learns it failed
                for future in waiting:
                    future.set_exception(error)
            else:
                for future in waiting:
                    future.set_result(None)
