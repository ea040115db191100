"""SQLite's calls run on the event loop, but for work marked to read many rows, which runs on
a worker thread and can be given up without harming the next unit of work."""

import asyncio
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.unit_of_work import UnitOfWork

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def thread_of_sql(uow: UnitOfWork) -> int:
    """The thread SQLite runs this work's statements on."""
    driver = (await (await uow.session.connection()).get_raw_connection()).driver_connection
    assert driver is not None
    await driver.create_function("thread", 0, threading.get_ident)
    return int((await uow.session.execute(text("SELECT thread()"))).scalar_one())


async def test_updates_are_served_with_no_thread_for_the_database(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    threads = threading.active_count()
    async with UnitOfWork(sessionmaker) as uow:
        assert await thread_of_sql(uow) == threading.get_ident()
        await uow.editions.current(None)
        await uow.commit()
    assert threading.active_count() == threads


async def test_work_that_reads_many_rows_runs_on_a_thread_and_then_the_loop_again(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async with UnitOfWork(sessionmaker) as uow:
        async with uow.off_the_loop():
            assert await thread_of_sql(uow) != threading.get_ident()
        assert await thread_of_sql(uow) == threading.get_ident()


async def test_a_long_read_given_up_leaves_the_database_to_the_next_work(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    started = threading.Event()

    def step() -> int:
        started.set()
        return 1

    async def read_for_ever() -> None:
        async with UnitOfWork(sessionmaker) as uow, uow.off_the_loop():
            connection = await (await uow.session.connection()).get_raw_connection()
            assert connection.driver_connection is not None
            await connection.driver_connection.create_function("step", 0, step)
            await uow.session.execute(
                text(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + step() FROM n) "
                    "SELECT count(*) FROM n"
                )
            )

    reading = asyncio.create_task(read_for_ever())
    await asyncio.to_thread(started.wait)
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading
    async with UnitOfWork(sessionmaker) as uow:
        assert (await uow.session.execute(text("SELECT 1"))).scalar_one() == 1
        assert await thread_of_sql(uow) == threading.get_ident()
