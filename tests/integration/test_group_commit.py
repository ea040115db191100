"""Group commit on SQLite: many updates' state changes in one transaction, each update told
whether its own change was kept."""

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.conversation_states import GroupCommit
from storage.database import create_sessionmaker
from storage.unit_of_work import UnitOfWork


async def test_writes_that_arrive_together_are_all_kept(engine: AsyncEngine) -> None:
    sessionmaker = create_sessionmaker(engine)
    group = GroupCommit(engine)
    await asyncio.gather(
        *(group.write({f"chat-{n}": ("form", {"n": n})}) for n in range(50)),
        group.write({"chat-7": (None, {})}),
    )
    async with UnitOfWork(sessionmaker) as uow:
        assert await uow.conversation_states.get("chat-49") == ("form", {"n": 49})
        assert await uow.conversation_states.get("chat-7") == (None, {}), "the later write wins"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_when_the_commit_fails_every_update_in_it_is_told(engine: AsyncEngine) -> None:
    group = GroupCommit(engine)
    async with engine.begin() as connection:
        await connection.execute(text("DROP TABLE conversation_states"))
    results = await asyncio.gather(
        group.write({"a": ("form", {})}), group.write({"b": ("form", {})}), return_exceptions=True
    )
    assert len(results) == 2
    assert all(isinstance(result, DBAPIError) for result in results)
