"""aiogram's FSM storage on the database: conversation states survive a restart, and an
update's state changes commit together with the rest of its unit of work, over the versions
they were read at (storage.conversation_states)."""

from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import replace
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    DEFAULT_DESTINY,
    BaseStorage,
    DefaultKeyBuilder,
    StateType,
    StorageKey,
)
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
# The other conversations that keep a state of their own.
IDEAS_DESTINY = "ideas"
GUIDE_DESTINY = "guide"
QUESTIONNAIRE_DESTINY = "followup"
PROGRESS_DESTINY = "progress"
MODERATION_DESTINY = "moderation"
BROADCAST_DESTINY = "broadcast"
ANALYSIS_DESTINY = "analysis"
# All of them: a chat met for the first time is read for all at once.
DESTINIES = frozenset(
    {
        DEFAULT_DESTINY,
        VOTE_DESTINY,
        FORM_DESTINY,
        STAND_DESTINY,
        IDEAS_DESTINY,
        GUIDE_DESTINY,
        QUESTIONNAIRE_DESTINY,
        PROGRESS_DESTINY,
        MODERATION_DESTINY,
        BROADCAST_DESTINY,
        ANALYSIS_DESTINY,
    }
)

# The unit of work of the update being handled, if any (set by bot.runtime.turn).
current_unit_of_work: ContextVar[UnitOfWork | None] = ContextVar(
    "current_unit_of_work", default=None
)


# Chats whose states are kept in memory, at most.
CHATS_CACHED = 10_000


class ChatStates:
    """Chats' states in memory, each chat's together (the most recently used chats): a chat
    met for the first time costs one read for all the conversations it may have, not one for
    each conversation that looks at it. A conversation not read yet for a chat is not known
    (it may have a row written before this process started)."""

    def __init__(self, size: int) -> None:
        self._chats: LRU[str, dict[str, Stored]] = LRU(size)

    def get(self, key: str) -> Stored | None:
        chat, destiny = key.rsplit(":", 1)
        states = self._chats.get(chat)
        return None if states is None else states.get(destiny)

    def learn(self, states: Mapping[str, Stored]) -> None:
        """What was read from the database (or committed to it) for these keys."""
        for key, stored in states.items():
            chat, destiny = key.rsplit(":", 1)
            known = self._chats.get(chat)
            if known is None:
                known = self._chats[chat] = {}
            known[destiny] = stored

    def forget(self, key: str) -> None:
        """Forget the key's whole chat: what else it knew of it may be as stale."""
        self._chats.pop(key.rsplit(":", 1)[0], None)

    def forget_chat(self, chat_id: int) -> None:
        marker = f":{chat_id}:{chat_id}"
        for chat in [chat for chat in self._chats if chat.endswith(marker)]:
            del self._chats[chat]

    def __len__(self) -> int:
        return len(self._chats)


class DatabaseStorage(BaseStorage):
    """With `cache`, states are also kept in memory (the most recently used chats, up to
    `cache_size`) and read from there. The cache learns only what is read from the database
    or committed to it; a state taken from it is checked by the database when the update
    commits (its version: another process may have written it meanwhile), and a unit of work
    that fails makes it forget the chats it read, which are read again from the database next
    time."""

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
        self._cache = ChatStates(cache_size or CHATS_CACHED) if cache else None
        # A chat's first read asks for all its conversations (destinies), any not declared
        # above included once met.
        self._destinies: set[str] = set(DESTINIES)

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
        if stored is None and self._cache is not None:
            chat, destiny = key.rsplit(":", 1)
            self._destinies.add(destiny)
            keys = [f"{chat}:{each}" for each in self._destinies]
            found = await uow.conversation_states.get_many(keys)
            opened = {each: self._opened(each, found[each]) for each in keys}
            self._cache.learn(opened)
            stored = opened[key]
        elif stored is None:
            stored = self._opened(key, await uow.conversation_states.get(key))
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
            cache.learn(uow.committed_states)

        def forget() -> None:
            for key in uow.read_states:
                cache.forget(key)

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
            self._cache.forget_chat(chat_id)

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
