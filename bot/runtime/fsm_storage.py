"""aiogram's FSM storage on the database: conversation states survive a restart, and an
update's state changes commit together with the rest of its unit of work, over the versions
they were read at (storage.conversation_states)."""

from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import replace
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.runtime.lru import LRU
from storage.conversation_states import Entry, GroupCommit, SealedDestinies, Stored
from storage.unit_of_work import UnitOfWork

# The vote's conversation keeps its state under this destiny, apart from the others.
VOTE_DESTINY = "vote"
# The idea form's draft, likewise; the chat's own state (the default destiny) says only which
# conversation listens to what is typed (bot.runtime.listening).
FORM_DESTINY = "form"
# A stand's desk: the paper entry being made (projects ticked, fingerprints), kept sealed.
STAND_DESTINY = "stand"

# The unit of work of the update being handled, if any (set by bot.runtime.turn).
current_unit_of_work: ContextVar[UnitOfWork | None] = ContextVar(
    "current_unit_of_work", default=None
)


# Chats' states kept in memory, at most (a chat has one to three: its own, a draft, an envelope).
STATES_CACHED = 30_000


class DatabaseStorage(BaseStorage):
    """With `cache`, states are also kept in memory (the most recently used, up to `cache_size`)
    and read from there. The cache learns only what is committed; a state taken from it is
    checked by the database when the update commits (its version: another process may have
    written it meanwhile), and a unit of work that fails makes it forget the states it read,
    which are read again from the database next time."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        cache: bool = False,
        group_commit: GroupCommit | None = None,
        sealed: SealedDestinies | None = None,
        cache_size: int | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._group_commit = group_commit
        # The conversations whose data is stored sealed, and opened here when read.
        self._sealed = sealed
        self._keys = DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
        self._cache: LRU[str, Stored] | None = LRU(cache_size or STATES_CACHED) if cache else None

    async def _read(self, key: str) -> Entry:
        uow = current_unit_of_work.get()
        if uow is None:
            async with UnitOfWork(self._sessionmaker) as own:
                return self._opened(key, await own.conversation_states.get(key)).entry
        if key in uow.staged_states:
            return uow.staged_states[key]
        if key in uow.read_states:
            return uow.read_states[key].entry
        stored = self._cache.get(key) if self._cache is not None else None
        if stored is None:
            stored = self._opened(key, await uow.conversation_states.get(key))
            if self._cache is not None:
                self._cache[key] = stored
        else:
            uow.assumptions.states[key] = stored.version
        if not uow.read_states:
            self._follow(uow)
        uow.read_states[key] = stored
        return stored.entry

    def _opened(self, key: str, stored: Stored) -> Stored:
        if self._sealed is None:
            return stored
        return Stored(self._sealed.decode(key, stored.entry), stored.version)

    def _follow(self, uow: UnitOfWork) -> None:
        """Keep the cache in step with what this unit of work commits, or forget."""
        cache = self._cache
        if cache is None:
            return

        def committed() -> None:
            cache.update(uow.committed_states)

        def forget() -> None:
            for key in uow.read_states:
                cache.pop(key, None)

        uow.after_commit(committed)
        uow.on_rollback(forget)

    async def _write(self, key: str, entry: Entry) -> None:
        """Staged in the update's unit of work, written once at its commit."""
        uow = current_unit_of_work.get()
        if uow is None:
            async with UnitOfWork(
                self._sessionmaker, self._group_commit, sealed_states=self._sealed
            ) as own:
                token = current_unit_of_work.set(own)
                try:
                    await self._write(key, entry)
                    await own.commit()
                finally:
                    current_unit_of_work.reset(token)
            return
        if await self._read(key) != entry:
            uow.stage_state(key, entry)

    @property
    def cached(self) -> int:
        return len(self._cache) if self._cache is not None else 0

    def forget_chat(self, chat_id: int) -> None:
        """Drop what the cache knows of a chat whose states were erased behind its back."""
        if self._cache is not None:
            marker = f":{chat_id}:{chat_id}:"
            for key in [key for key in self._cache if marker in key]:
                del self._cache[key]

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
