import asyncio
import logging
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.database import create_engine, create_sessionmaker, is_sqlite
from storage.migrate import upgrade
from storage.unit_of_work import UnitOfWork
from tests.support.databases import empty_tables, postgres_database

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_EDITION = ROOT / "examples" / "namur.toml"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first: started while the fast ones are still queued, they end before the
    fast ones do, rather than one of them keeping a worker busy alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def _logging_as_it_was() -> Iterator[None]:
    """`pbbot run` sets up the process's logging; a test running it in-process leaves it
    as it found it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


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


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once for the session; each test starts from a copy of it."""
    path = tmp_path_factory.mktemp("template") / "pbbot.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite, the default; tests/integration runs its tests on PostgreSQL as well."""
    return f"sqlite+aiosqlite:///{tmp_path / 'pbbot.db'}"


@pytest.fixture
async def engine(database_url: str, migrated_sqlite: Path) -> AsyncIterator[AsyncEngine]:
    if is_sqlite(database_url):
        database = make_url(database_url).database
        assert database
        shutil.copyfile(migrated_sqlite, database)
    engine = create_engine(database_url)
    if not is_sqlite(database_url):
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
