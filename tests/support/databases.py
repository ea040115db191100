"""Databases for the tests: a fresh SQLite file for each test, and one PostgreSQL database for
the whole session (created and dropped here) when a server is reachable."""

import asyncio
import os
import secrets
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy import Integer, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.tables import Base

POSTGRES_ADMIN = os.environ.get("PBBOT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_database() -> Iterator[str]:
    """Create a database of our own for the session; skip (saying why) without a server."""
    name = f"pbbot_test_{secrets.token_hex(4)}"

    async def create() -> None:
        connection = await asyncpg.connect(POSTGRES_ADMIN, timeout=3)
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
            # Commits return before their WAL reaches the disk: only a crash of the server
            # itself could lose one, which no test does, and each commit no longer waits for
            # the disk the machine's other work shares.
            await connection.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        finally:
            await connection.close()

    async def drop() -> None:
        connection = await asyncpg.connect(POSTGRES_ADMIN, timeout=3)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    try:
        asyncio.run(create())
    except (TimeoutError, OSError, asyncpg.PostgresError) as error:
        pytest.skip(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN} ({error}); set PBBOT_TEST_POSTGRES"
        )
    base = POSTGRES_ADMIN.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)
    finally:
        asyncio.run(drop())


async def empty_tables(engine: AsyncEngine) -> None:
    """Start a PostgreSQL test from empty tables (the schema is shared by the session), their
    numbering from 1 again. DELETE rather than TRUNCATE: a test leaves a few rows, and
    TRUNCATE gives each of the tables new files, half a second per test where DELETE takes
    milliseconds."""
    async with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(table.delete())
        used = await connection.execute(
            text(
                "SELECT sequencename FROM pg_sequences"
                " WHERE schemaname = current_schema() AND last_value IS NOT NULL"
            )
        )
        for name in used.scalars().all():
            await connection.execute(text(f'ALTER SEQUENCE "{name}" RESTART'))


Snapshot = dict[str, list[dict[str, Any]]]
"""Every row of every table, by table."""


async def snapshot(engine: AsyncEngine) -> Snapshot:
    """What a test built, to give the next tests the same database without building it again."""
    async with engine.connect() as connection:
        return {
            table.name: [dict(row) for row in (await connection.execute(select(table))).mappings()]
            for table in Base.metadata.sorted_tables
        }


async def restore(engine: AsyncEngine, taken: Snapshot) -> None:
    """Put back exactly the rows of `taken`, and number new rows after them."""
    async with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(table.delete())
        for table in Base.metadata.sorted_tables:
            if taken[table.name]:
                await connection.execute(table.insert(), taken[table.name])
        if engine.dialect.name != "postgresql":
            return
        for table in Base.metadata.sorted_tables:
            numbered = table.autoincrement_column
            if numbered is None or not isinstance(numbered.type, Integer):
                continue
            last = await connection.scalar(select(func.max(numbered)))
            if last is not None:
                await connection.execute(
                    text("SELECT setval(pg_get_serial_sequence(:table, :column), :last)"),
                    {"table": table.name, "column": numbered.name, "last": last},
                )


REDIS = os.environ.get("PBBOT_TEST_REDIS", "redis://127.0.0.1:6379/0")


def redis_url() -> str:
    """Redis for the tests that need one; skip (saying why) without a server."""
    import socket
    from urllib.parse import urlsplit

    where = urlsplit(REDIS)
    try:
        socket.create_connection((where.hostname or "127.0.0.1", where.port or 6379), 2).close()
    except OSError as error:
        pytest.skip(f"Redis is not reachable at {REDIS} ({error}); set PBBOT_TEST_REDIS")
    return REDIS
