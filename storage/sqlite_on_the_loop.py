"""SQLite's calls run on the event loop, for the engine that serves updates.

aiosqlite makes each sqlite3 call on a thread of its own: the call is queued, the thread woken,
the answer handed back through a future. A statement of an update takes SQLite a few tens of
microseconds, and the hop cost more than that: about a quarter of the bot's CPU per update.
The connection here is aiosqlite's, driven by SQLAlchemy's aiosqlite dialect as any other,
but it starts no thread: each call runs where it is awaited. Work that reads a lot (results,
figures, exports, the publication of the ballots) says so with `off_the_loop`, and its calls
run on a worker thread meanwhile, so that the loop goes on with everything else."""

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable, Generator
from contextlib import asynccontextmanager
from functools import partial
from queue import SimpleQueue
from typing import Any, TypeVar

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")
Queued = tuple[asyncio.Future[Any] | None, Callable[[], Any]]


class LoopConnection(aiosqlite.Connection):
    """aiosqlite's connection without its thread: a call runs at once, on the loop, or on a
    worker thread while `on_a_thread` is set."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        # Not aiosqlite's __init__: it creates the thread this connection does without.
        self._running = True
        self._connection: sqlite3.Connection | None = None
        self._connector = connector
        self._iter_chunk_size = 64
        self._tx = _RunAtOnce()
        self.on_a_thread = False

    async def _execute(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if not self._running or self._connection is None:
            raise ValueError("Connection closed")
        if not self.on_a_thread:
            return fn(*args, **kwargs)
        return await _on_a_thread(self._connection, partial(fn, *args, **kwargs))

    async def _connect(self) -> "LoopConnection":
        if self._connection is None:
            self._connection = self._connector()
        return self

    def __await__(self) -> Generator[Any, None, "LoopConnection"]:
        return self._connect().__await__()

    def stop(self) -> None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class _RunAtOnce(SimpleQueue[Queued]):
    """What SQLAlchemy's dialect puts in aiosqlite's queue by hand (to set the isolation
    level) runs at once, as every other call."""

    def put_nowait(self, item: Queued) -> None:
        future, call = item
        try:
            result = call()
        except Exception as error:
            if future is not None:
                future.set_exception(error)
        else:
            if future is not None:
                future.set_result(result)


async def _on_a_thread(connection: sqlite3.Connection, call: Callable[[], T]) -> T:
    done = asyncio.get_running_loop().run_in_executor(None, call)
    try:
        return await asyncio.shield(done)
    except asyncio.CancelledError:
        # The connection is the loop's again only once the call is over: SQLite stops the
        # statement at its next step.
        connection.interrupt()
        with contextlib.suppress(Exception):
            await done
        raise


def connector(url: str) -> Callable[[], LoopConnection]:
    """An `async_creator` for `create_async_engine`: connections to the database at `url`,
    opened with the arguments SQLAlchemy's aiosqlite dialect would give sqlite3."""
    arguments, options = SQLiteDialect_aiosqlite().create_connect_args(make_url(url))
    # Calls marked `off_the_loop` run on a worker thread, one at a time.
    options["check_same_thread"] = False
    return lambda: LoopConnection(partial(sqlite3.connect, *arguments, **options))


@asynccontextmanager
async def off_the_loop(session: AsyncSession) -> AsyncIterator[None]:
    """The session's SQLite calls run on a worker thread until the block ends: for work that
    reads many rows. Other units of work wait for the connection as they would for any other
    transaction; the loop does not. Nothing changes on PostgreSQL."""
    connection = await (await session.connection()).get_raw_connection()
    driver = connection.driver_connection
    if not isinstance(driver, LoopConnection):
        yield
        return
    before, driver.on_a_thread = driver.on_a_thread, True
    try:
        yield
    finally:
        driver.on_a_thread = before
