"""aiogram's FSM storage on the database: conversation states survive a restart, and an
update's state changes commit together with the rest of its unit of work."""

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.conversation_states import ConversationStates
from storage.unit_of_work import UnitOfWork

# The unit of work of the update being handled, if any (set by the turn middleware).
current_unit_of_work: ContextVar[UnitOfWork | None] = ContextVar(
    "current_unit_of_work", default=None
)


class DatabaseStorage(BaseStorage):
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker
        self._keys = DefaultKeyBuilder(with_bot_id=True, with_destiny=True)

    @asynccontextmanager
    async def _states(self) -> AsyncIterator[ConversationStates]:
        uow = current_unit_of_work.get()
        if uow is not None:
            yield uow.conversation_states
            return
        async with UnitOfWork(self._sessionmaker) as own:
            yield own.conversation_states
            await own.commit()

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        name = state.state if isinstance(state, State) else state
        async with self._states() as states:
            await states.set_state(self._keys.build(key), name)

    async def get_state(self, key: StorageKey) -> str | None:
        async with self._states() as states:
            state, _ = await states.get(self._keys.build(key))
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        async with self._states() as states:
            await states.set_data(self._keys.build(key), dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self._states() as states:
            _, data = await states.get(self._keys.build(key))
        return data

    async def close(self) -> None:
        pass
