"""aiogram's FSM storage on the database: conversation states survive a restart, and an
update's state changes commit together with the rest of its unit of work."""

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import replace
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.conversation_states import Entry, GroupCommit
from storage.unit_of_work import UnitOfWork

# The unit of work of the update being handled, if any (set by bot.runtime.turn.UnitOfWorkScope).
current_unit_of_work: ContextVar[UnitOfWork | None] = ContextVar(
    "current_unit_of_work", default=None
)


class DatabaseStorage(BaseStorage):
    """With `cache`, states are also kept in memory and read from there: right when this
    process is the only one writing them (SQLite), and the chat's lock serialises its updates.
    A rolled-back update makes the cache forget what it wrote."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        cache: bool = False,
        group_commit: GroupCommit | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._group_commit = group_commit
        self._keys = DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
        self._cache: dict[str, Entry] | None = {} if cache else None

    @asynccontextmanager
    async def _unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        uow = current_unit_of_work.get()
        if uow is not None:
            yield uow
            return
        async with UnitOfWork(self._sessionmaker, self._group_commit) as own:
            yield own
            await own.commit()

    async def _read(self, key: str) -> Entry:
        current = current_unit_of_work.get()
        if current is not None and key in current.known_states:
            return current.known_states[key]
        if self._cache is not None and key in self._cache:
            return self._cache[key]
        async with self._unit_of_work() as uow:
            entry = await uow.conversation_states.get(key)
            uow.known_states[key] = entry
        if self._cache is not None:
            self._cache[key] = entry
        return entry

    async def _write(self, key: str, entry: Entry) -> None:
        """Staged in the update's unit of work, written once at its commit."""
        if await self._read(key) == entry:
            return
        async with self._unit_of_work() as uow:
            uow.stage_state(key, entry)
            if self._cache is not None:
                cache = self._cache
                cache[key] = entry
                uow.on_rollback(lambda: cache.pop(key, None))

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        name = state.state if isinstance(state, State) else state
        built = self._keys.build(key)
        _, data = await self._read(built)
        await self._write(built, (name, data))

    async def get_state(self, key: StorageKey) -> str | None:
        state, _ = await self._read(self._keys.build(key))
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        built = self._keys.build(key)
        state, _ = await self._read(built)
        await self._write(built, (state, dict(data)))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, data = await self._read(self._keys.build(key))
        return dict(data)

    async def close(self) -> None:
        pass


def destiny_state(state: FSMContext, destiny: str) -> FSMContext:
    """The same chat's state under another destiny: each conversation keeps its own, so none
    can overwrite another's (an idea draft, an envelope, a questionnaire's answers)."""
    return FSMContext(storage=state.storage, key=replace(state.key, destiny=destiny))
