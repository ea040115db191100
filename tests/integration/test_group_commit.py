"""Group commit: many updates' state changes in one transaction, each update told
whether its own change was kept."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.assumptions import Assumptions
from storage.citizens import Citizen
from storage.conversation_states import GroupCommit, StateConflict, Stored
from storage.tables import StaffRoleRow
from storage.unit_of_work import UnitOfWork
from storage.updates import claim_chat

NOW = datetime(2027, 4, 20, 12, tzinfo=UTC)

Sessionmaker = async_sessionmaker[AsyncSession]


async def test_writes_that_arrive_together_are_all_kept(
    engine: AsyncEngine, sessionmaker: Sessionmaker
) -> None:
    group = GroupCommit(engine)
    await asyncio.gather(
        *(group.write({f"chat-{n}": (("form", {"n": n}), 0)}, []) for n in range(50))
    )
    await asyncio.gather(
        group.write({"chat-3": (("form", {"n": 33}), 1)}, []),
        group.write({"chat-7": ((None, {}), 1)}, []),
    )
    async with UnitOfWork(sessionmaker) as uow:
        assert await uow.conversation_states.get("chat-49") == Stored(("form", {"n": 49}), 1)
        assert await uow.conversation_states.get("chat-3") == Stored(("form", {"n": 33}), 2)
        assert (await uow.conversation_states.get("chat-7")).version == 0, "left: no row"


async def test_a_write_over_a_state_changed_meanwhile_is_refused_with_its_batch(
    engine: AsyncEngine, sessionmaker: Sessionmaker
) -> None:
    group = GroupCommit(engine)
    await group.write({"chat-1": (("form", {"n": 1}), 0)}, [])
    results = await asyncio.gather(
        group.write({"chat-1": (("form", {"n": 2}), 0)}, []),
        group.write({"chat-2": (("form", {"n": 2}), 0)}, []),
        return_exceptions=True,
    )
    assert all(isinstance(result, StateConflict) for result in results)
    async with UnitOfWork(sessionmaker) as uow:
        assert await uow.conversation_states.get("chat-1") == Stored(("form", {"n": 1}), 1)
        assert (await uow.conversation_states.get("chat-2")).version == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_when_the_commit_fails_every_update_in_it_is_told(engine: AsyncEngine) -> None:
    group = GroupCommit(engine)
    async with engine.begin() as connection:
        await connection.execute(text("DROP TABLE conversation_states"))
    results = await asyncio.gather(
        group.write({"a": (("form", {}), 0)}, []),
        group.write({"b": (("form", {}), 0)}, []),
        return_exceptions=True,
    )
    assert len(results) == 2
    assert all(isinstance(result, DBAPIError) for result in results)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_only_the_updates_whose_cached_state_or_citizen_changed_are_refused(
    engine: AsyncEngine, sessionmaker: Sessionmaker
) -> None:
    # With several processes, what an update took from its process's caches is checked in the
    # batch's one query: an update that relied on a state or a citizen changed meanwhile is
    # refused alone, and the others of the batch are kept.
    group = GroupCommit(engine)
    await group.write({"chat-1": (("form", {"n": 1}), 0), "chat-2": (("form", {"n": 1}), 0)}, [])
    async with UnitOfWork(sessionmaker) as uow:
        camille = await uow.citizens.consent(11, "fr", None, NOW)
        await uow.commit()
    async with UnitOfWork(sessionmaker) as uow:
        # Another process: Camille chose Dutch, and chat-2 moved on.
        await uow.citizens.set_language(camille, "nl")
        await uow.commit()
    await group.write({"chat-2": (("form", {"n": 2}), 1)}, [])

    def assuming(states: dict[str, int], citizens: dict[int, Citizen | None]) -> Assumptions:
        return Assumptions(states=states, citizens=citizens)

    results = await asyncio.gather(
        # As cached: chat-1 at version 1, nobody at account 12.
        group.write({"chat-3": (("form", {}), 0)}, [], assuming({"chat-1": 1}, {12: None})),
        # chat-2 was taken at version 1: it is at 2 now.
        group.write({"chat-4": (("form", {}), 0)}, [], assuming({"chat-2": 1}, {})),
        # Camille was taken as a French reader.
        group.write({"chat-5": (("form", {}), 0)}, [], assuming({}, {11: camille})),
        # Account 11 was taken for nobody: a citizen who consented since is a change too.
        group.write({"chat-6": (("form", {}), 0)}, [], assuming({}, {11: None})),
        return_exceptions=True,
    )
    assert results[0] is None
    assert [type(result) for result in results[1:]] == [StateConflict] * 3
    async with UnitOfWork(sessionmaker) as uow:
        assert (await uow.conversation_states.get("chat-3")).version == 1
        for refused in ("chat-4", "chat-5", "chat-6"):
            assert (await uow.conversation_states.get(refused)).version == 0


class CountingGroupCommit(GroupCommit):
    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self.batches = 0

    async def write(self, *args: Any, **kwargs: Any) -> None:
        self.batches += 1
        await super().write(*args, **kwargs)


async def move_along(uow: UnitOfWork, chat: str, entry: tuple[str, dict[str, Any]]) -> None:
    """The update's only change of state: a chat with no state yet moves to `entry`, and the
    work is committed."""
    uow.read_states[chat] = Stored((None, {}), 0)
    uow.stage_state(chat, entry)
    await uow.commit()


async def test_a_unit_of_work_that_only_read_commits_its_state_with_the_others(
    engine: AsyncEngine, sessionmaker: Sessionmaker
) -> None:
    # The vote reads its voter and ballot at each step, then only moves its chat along: that
    # step joins group commit's batch instead of committing alone.
    group = CountingGroupCommit(engine)
    async with UnitOfWork(sessionmaker, group) as uow:
        assert await uow.citizens.by_telegram_id(21) is None
        await move_along(uow, "chat-21", ("vote", {"projects": [1]}))
    assert group.batches == 1
    async with UnitOfWork(sessionmaker) as uow:
        assert await uow.conversation_states.get("chat-21") == Stored(
            ("vote", {"projects": [1]}), 1
        )


async def test_what_a_unit_of_work_wrote_itself_is_committed_with_its_state(
    engine: AsyncEngine, sessionmaker: Sessionmaker
) -> None:
    # A statement that writes (a consent), or objects flushed, keep the work out of group
    # commit: going there would drop them with the session's transaction.
    group = CountingGroupCommit(engine)
    async with UnitOfWork(sessionmaker, group) as uow:
        await uow.citizens.consent(22, "fr", None, NOW)
        await move_along(uow, "chat-22", ("form", {"n": 1}))
    async with UnitOfWork(sessionmaker, group) as uow:
        uow.session.add(StaffRoleRow(telegram_id=5, role="moderator", added_by=1, added_at=NOW))
        await uow.session.flush()
        await move_along(uow, "chat-23", ("form", {"n": 2}))
    assert group.batches == 0
    async with UnitOfWork(sessionmaker) as uow:
        assert await uow.citizens.by_telegram_id(22) is not None
        assert (await uow.conversation_states.get("chat-22")).version == 1
        assert (await uow.conversation_states.get("chat-23")).version == 1
        assert await uow.session.scalar(select(func.count()).select_from(StaffRoleRow)) == 1


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_an_update_holding_its_chat_s_lock_commits_in_the_lock_s_transaction(
    engine: AsyncEngine, sessionmaker: Sessionmaker
) -> None:
    # Taking a chat's lock reads like a SELECT, but the lock ends with its transaction: the
    # update's state must be written in that transaction, not group commit's after it.
    group = CountingGroupCommit(engine)
    async with UnitOfWork(sessionmaker, group) as uow:
        assert not await claim_chat(uow.session, 31, 1, 1)
        await move_along(uow, "chat-31", ("vote", {"projects": [2]}))
    assert group.batches == 0
    async with UnitOfWork(sessionmaker) as uow:
        assert (await uow.conversation_states.get("chat-31")).version == 1
