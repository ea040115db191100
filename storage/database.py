"""Engines and sessions for SQLite (the embedded default) and PostgreSQL."""

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from storage.sqlite_on_the_loop import connector

DEFAULT_URL = "sqlite+aiosqlite:///./pbbot.db"
# PostgreSQL connections one process keeps (and may add under load).
POOL_SIZE = 10
POOL_OVERFLOW = 10
# A PostgreSQL connection is closed and opened anew after this long, rather than checked by a
# ping before every use (a round trip per update): a server restart costs the updates in flight
# at that moment one failure each, which Telegram delivers again.
POOL_RECYCLE_SECONDS = 300


def normalise_url(url: str) -> str:
    """Accept the URLs people paste (postgres://, postgresql://, sqlite:///) and pick the
    async driver."""
    parsed = make_url(
        url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url
    )
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != "asyncpg":
        parsed = parsed.set(drivername="postgresql+asyncpg")
    if parsed.get_backend_name() == "sqlite" and parsed.get_driver_name() != "aiosqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, sqlite_thread: bool = False, **options: Any) -> AsyncEngine:
    """With `sqlite_thread`, SQLite's calls go through aiosqlite's thread, as they did before
    they ran on the loop (storage.sqlite_on_the_loop): `bench.flow --compare sqlite-loop`
    measures both."""
    url = normalise_url(url)
    # An error names the statement that failed, never the values: they are what citizens wrote.
    options.setdefault("hide_parameters", True)
    if not is_sqlite(url):
        return create_async_engine(
            url,
            pool_recycle=POOL_RECYCLE_SECONDS,
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
            **options,
        )
    # One connection for the whole process: SQLite takes one writer at a time anyway, and
    # queueing in the pool is cheaper than threads spinning on a busy database. Transactions
    # never wait on the network (replies are sent after commit), so the queue stays short.
    if not sqlite_thread:
        options["async_creator"] = connector(url)
    engine = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=60, **options)
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def _sqlite_begin(connection: Connection) -> None:
    # The driver would otherwise begin a transaction only at the first write, so a SAVEPOINT
    # taken first stood alone and was committed at once, whatever happened to the rest.
    connection.exec_driver_sql("BEGIN")


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # Transactions are begun by SQLAlchemy (see _sqlite_begin), not by the driver.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # On the loop, a wait for the lock stops the whole process, not one unit of work. Nothing
    # in the process can make it wait: this is its only connection, work sent off the loop
    # included. Only another process writing (a command-line tool beside the bot) can, while
    # its transaction lasts, which goes on meanwhile; every update queued behind it anyway.
    # (SQLite waits at all only when a transaction's first statement is a write.)
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def connections(engine: AsyncEngine) -> int:
    """How many units of work can hold a connection at once."""
    return 1 if engine.dialect.name == "sqlite" else POOL_SIZE + POOL_OVERFLOW


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
