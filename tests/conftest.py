import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.database import create_engine, create_sessionmaker, is_sqlite
from storage.migrate import upgrade
from storage.unit_of_work import UnitOfWork
from tests.support.databases import empty_tables, postgres_database

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_EDITION = ROOT / "examples" / "namur.toml"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The session's own PostgreSQL database, migrated once; each test empties its tables."""
    for url in postgres_database():
        asyncio.run(_migrate(url))
        yield url


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    await engine.dispose()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite, the default; tests/integration runs its tests on PostgreSQL as well."""
    return f"sqlite+aiosqlite:///{tmp_path / 'pbbot.db'}"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    if is_sqlite(database_url):
        await upgrade(engine)
    else:
        await empty_tables(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture
async def edition_id(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    """The example edition (Namur), loaded as staff would."""
    from datetime import UTC, datetime

    async with UnitOfWork(sessionmaker) as uow:
        stored = await uow.editions.save(
            EXAMPLE_EDITION.read_text(encoding="utf-8"), datetime.now(UTC)
        )
        await uow.commit()
    return stored.id
