"""Where each chat stands in a conversation, kept in the database so a restart loses nothing.

Every row carries a version, bumped at each write and checked by it: a write names the version
it read, and if another process wrote meanwhile the write is refused (`StateConflict`) rather
than overwrite what it did not see; the update is then handled again from what is stored."""

import asyncio
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    Delete,
    Dialect,
    Insert,
    Table,
    Update,
    and_,
    bindparam,
    delete,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from storage.assumptions import Assumptions, broken, checked_on
from storage.sealing import Sealer, Unsealable
from storage.tables import ConversationStateRow
from storage.tallies import count_all
from storage.updates import insert_processed

Entry = tuple[str | None, dict[str, Any]]
EMPTY: Entry = (None, {})


@dataclass(frozen=True)
class Stored:
    """A chat's state and data as read, with the version of the row (0: there is none)."""

    entry: Entry
    version: int


ABSENT = Stored(EMPTY, 0)


class StateConflict(Exception):
    """Another process changed these chats' states since they were read."""

    def __init__(self, keys: list[str]) -> None:
        super().__init__(f"conversation states changed meanwhile: {', '.join(keys)}")
        self.keys = keys


class ConversationStates:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, key: str) -> Stored:
        row = (
            await self.session.execute(
                select(
                    ConversationStateRow.state,
                    ConversationStateRow.data,
                    ConversationStateRow.version,
                ).where(ConversationStateRow.key == key)
            )
        ).first()
        if row is None:
            return ABSENT
        return Stored((row.state, dict(row.data)), row.version)

    async def get_many(self, keys: Collection[str]) -> dict[str, Stored]:
        """Several states in one read (a chat's conversations); a key with no row is absent."""
        rows = await self.session.execute(
            select(
                ConversationStateRow.key,
                ConversationStateRow.state,
                ConversationStateRow.data,
                ConversationStateRow.version,
            ).where(ConversationStateRow.key.in_(keys))
        )
        found = {row.key: Stored((row.state, dict(row.data)), row.version) for row in rows}
        return {key: found.get(key, ABSENT) for key in keys}

    async def put(self, writes: Mapping[str, tuple[Entry, int]]) -> dict[str, int]:
        """Store chats' states, each over the version it was read at; a chat with neither
        state nor data leaves no row behind. Return the versions now stored."""
        return await put_states(self.session, writes)


async def put_states(
    executor: AsyncSession | AsyncConnection, writes: Mapping[str, tuple[Entry, int]]
) -> dict[str, int]:
    now = datetime.now(UTC)
    inserts, updates, deletes = [], [], []
    written: dict[str, int] = {}
    for key, ((state, data), version) in writes.items():
        kept = bool(state or data)
        if kept and version == 0:
            inserts.append({"key": key, "state": state, "data": data, "updated_at": now})
        elif kept:
            updates.append(
                {
                    "b_key": key,
                    "b_version": version,
                    "state": state,
                    "data": data,
                    "updated_at": now,
                }
            )
        elif version:
            deletes.append({"b_key": key, "b_version": version})
        written[key] = version + 1 if kept else 0
    bind = executor if isinstance(executor, AsyncConnection) else executor.get_bind()
    if bind.dialect.name == "postgresql":
        applied = await _put_postgresql(executor, bind.dialect, inserts, updates, deletes, now)
    else:
        applied = await _put_many(executor, bind.dialect.name, inserts, updates, deletes)
    if applied != len(inserts) + len(updates) + len(deletes):
        raise StateConflict(sorted(writes))
    return written


async def _put_many(
    executor: AsyncSession | AsyncConnection,
    dialect: str,
    inserts: list[dict[str, Any]],
    updates: list[dict[str, Any]],
    deletes: list[dict[str, Any]],
) -> int:
    """One statement for many rows, where the database counts each row's outcome (SQLite)."""
    statements = _statements(dialect)
    applied = 0
    for statement, rows in (
        (statements.insert, inserts),
        (statements.update, updates),
        (statements.delete, deletes),
    ):
        if rows:
            result = await executor.execute(statement, rows)
            applied += result.rowcount  # type: ignore[attr-defined]
    return applied


_UPDATE_POSTGRESQL = text(
    "UPDATE conversation_states AS t SET state = v.state, data = CAST(v.data AS json), "
    "version = t.version + 1, updated_at = :now "
    "FROM unnest(CAST(:keys AS varchar[]), CAST(:versions AS integer[]), "
    "CAST(:states AS varchar[]), CAST(:datas AS text[])) AS v(key, version, state, data) "
    "WHERE t.key = v.key AND t.version = v.version RETURNING t.key"
)
_DELETE_POSTGRESQL = text(
    "DELETE FROM conversation_states AS t "
    "USING unnest(CAST(:keys AS varchar[]), CAST(:versions AS integer[])) AS v(key, version) "
    "WHERE t.key = v.key AND t.version = v.version RETURNING t.key"
)


async def _put_postgresql(
    executor: AsyncSession | AsyncConnection,
    dialect: Dialect,
    inserts: list[dict[str, Any]],
    updates: list[dict[str, Any]],
    deletes: list[dict[str, Any]],
    now: datetime,
) -> int:
    """One statement for each kind of write whatever the number of rows (asyncpg counts no
    rows of an executemany): the rows written come back, and are counted."""
    table = cast(Table, ConversationStateRow.__table__)
    applied = 0
    if inserts:
        statement = (
            postgresql.insert(table)
            .values(inserts)
            .on_conflict_do_nothing(index_elements=[table.c.key])
            .returning(table.c.key)
        )
        applied += len((await executor.execute(statement)).all())
    if updates:
        as_json = table.c.data.type.bind_processor(dialect)
        assert as_json is not None
        parameters = {
            "now": now,
            "keys": [row["b_key"] for row in updates],
            "versions": [row["b_version"] for row in updates],
            "states": [row["state"] for row in updates],
            "datas": [as_json(row["data"]) for row in updates],
        }
        applied += len((await executor.execute(_UPDATE_POSTGRESQL, parameters)).all())
    if deletes:
        parameters = {
            "keys": [row["b_key"] for row in deletes],
            "versions": [row["b_version"] for row in deletes],
        }
        applied += len((await executor.execute(_DELETE_POSTGRESQL, parameters)).all())
    return applied


@dataclass(frozen=True)
class _Statements:
    insert: Insert
    update: Update
    delete: Delete


@cache
def _statements(dialect: str) -> _Statements:
    """Built once: building and keying a statement costs more than running it on SQLite."""
    # The Core table, not the mapped class: many rows in one statement (executemany).
    table = cast(Table, ConversationStateRow.__table__)
    # A row another process inserted meanwhile is a conflict, not an error: nothing is done
    # and the count of rows written says so.
    insert = (sqlite if dialect == "sqlite" else postgresql).insert(table)
    checked = and_(table.c.key == bindparam("b_key"), table.c.version == bindparam("b_version"))
    return _Statements(
        insert=insert.on_conflict_do_nothing(index_elements=[table.c.key]),
        update=update(table).where(checked).values(version=table.c.version + 1),
        delete=delete(table).where(checked),
    )


@dataclass
class _Pending:
    writes: Mapping[str, tuple[Entry, int]]
    processed: list[dict[str, Any]]
    assumptions: Assumptions | None
    done: asyncio.Future[None]
    # Counters of the figures the update moved on (storage/tallies.py).
    counted: list[dict[str, Any]]


class GroupCommit:
    """Commits the state changes of many updates in one transaction.

    An update whose only write is its chat's state (most steps of a form) hands that write
    here and waits until it is committed; the writes that arrive meanwhile go together in the
    next transaction, with the records of the updates they belong to. Each update still sees
    its own write committed before it answers, but the database commits once for many chats
    instead of once per chat. An update whose assumptions no longer hold (another process
    changed its chat meanwhile) is refused alone, before anything is written; a batch that
    fails after that (a version check, an update recorded twice) is refused as a whole: each
    of its updates is handled again."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._checked = checked_on(engine.dialect.name)
        self._pending: list[_Pending] = []
        self._flushing: asyncio.Task[None] | None = None

    async def write(
        self,
        writes: Mapping[str, tuple[Entry, int]],
        processed: list[dict[str, Any]],
        assumptions: Assumptions | None = None,
        counted: list[dict[str, Any]] | None = None,
    ) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        kept = assumptions if assumptions and self._checked else None
        self._pending.append(_Pending(writes, processed, kept, done, counted or []))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        while self._pending:
            pending, self._pending = self._pending, []
            try:
                # A bare connection: none of a session's bookkeeping is needed here.
                async with self._engine.begin() as connection:
                    pending = await self._refuse_stale(connection, pending)
                    processed = [row for one in pending for row in one.processed]
                    if processed:
                        now = datetime.now(UTC)
                        await connection.execute(
                            insert_processed(), [{**row, "processed_at": now} for row in processed]
                        )
                    batch: dict[str, tuple[Entry, int]] = {}
                    for one in pending:
                        batch.update(one.writes)
                    await put_states(connection, batch)
                    await count_all(connection, [row for one in pending for row in one.counted])
            except Exception as error:  # every writer of the batch learns it failed
                for one in pending:
                    if not one.done.done():
                        one.done.set_exception(error)
            else:
                for one in pending:
                    one.done.set_result(None)

    @staticmethod
    async def _refuse_stale(connection: AsyncConnection, pending: list[_Pending]) -> list[_Pending]:
        checked = [(one, one.assumptions) for one in pending if one.assumptions]
        if not checked:
            return pending
        verdicts = await broken(connection, [assumed for _, assumed in checked])
        stale = {id(one) for (one, _), gone in zip(checked, verdicts, strict=True) if gone}
        for one in pending:
            if id(one) in stale:
                one.done.set_exception(StateConflict(sorted(one.writes)))
        return [one for one in pending if id(one) not in stale]


SEALED_STATE = "state"


class SealedDestinies:
    """The conversations whose data is sealed with the key before it is stored (the vote's
    envelope: who is choosing what, until they cast), opened when it is read back. The state's
    name stays readable: it says no more than which screen a chat is on."""

    def __init__(self, sealer: Sealer, destinies: frozenset[str]) -> None:
        self.sealer = sealer
        self.suffixes = tuple(f":{destiny}" for destiny in destinies)

    def encode(self, key: str, entry: Entry) -> Entry:
        state, data = entry
        if not data or not key.endswith(self.suffixes):
            return entry
        return state, {"sealed": self.sealer.seal(SEALED_STATE, json.dumps(data).encode(), key)}

    def decode(self, key: str, entry: Entry) -> Entry:
        state, data = entry
        if "sealed" not in data or not key.endswith(self.suffixes):
            return entry
        try:
            return state, json.loads(self.sealer.unseal(SEALED_STATE, data["sealed"], key))
        except Unsealable:
            # Sealed with another key (a restored database, a lost key file): the envelope
            # being filled in is lost, nothing else.
            return state, {}
