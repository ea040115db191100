"""Group commit on SQLite: many updates' state changes in one transaction, each update told
whether its own change was kept."""

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.conversation_states import GroupCommit, StateConflict, Stored
from storage.database import create_sessionmaker
from storage.unit_of_work import UnitOfWork


async def test_writes_that_arrive_together_are_all_kept(engine: AsyncEngine) -> None:
    sessionmaker = create_sessionmaker(engine)
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
    engine: AsyncEngine,
) -> None:
    sessionmaker = create_sessionmaker(engine)
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
