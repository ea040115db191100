import asyncio
import logging
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.database import create_engine, create_sessionmaker, is_sqlite
from storage.migrate import upgrade
from storage.tables import EditionRow
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


@pytest.fixture(scope="session")
def sqlite_with_the_edition(
    migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The same with the example edition loaded, for the tests that ask for it: copying the
    file takes a tenth of the time loading the edition does."""
    path = tmp_path_factory.mktemp("template") / "pbbot.db"
    shutil.copyfile(migrated_sqlite, path)

    async def load() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await _load_the_example(create_sessionmaker(engine))
        await engine.dispose()

    asyncio.run(load())
    return path


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite, the default; tests/integration runs its tests on PostgreSQL as well."""
    return f"sqlite+aiosqlite:///{tmp_path / 'pbbot.db'}"


@pytest.fixture
async def engine(
    request: pytest.FixtureRequest,
    database_url: str,
    migrated_sqlite: Path,
    sqlite_with_the_edition: Path,
) -> AsyncIterator[AsyncEngine]:
    if is_sqlite(database_url):
        database = make_url(database_url).database
        assert database
        with_edition = "edition_id" in request.fixturenames
        shutil.copyfile(sqlite_with_the_edition if with_edition else migrated_sqlite, database)
    engine = create_engine(database_url)
    if not is_sqlite(database_url):
        await empty_tables(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


async def _load_the_example(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    from datetime import UTC, datetime

    async with UnitOfWork(sessionmaker) as uow:
        stored = await uow.editions.save(
            EXAMPLE_EDITION.read_text(encoding="utf-8"), datetime.now(UTC)
        )
        await uow.commit()
    return stored.id


@pytest.fixture
async def edition_id(sessionmaker: async_sessionmaker[AsyncSession], engine: AsyncEngine) -> int:
    """The example edition (Namur), loaded as staff would."""
    if is_sqlite(str(engine.url)):
        # Already in the file the test started from (see `engine`).
        async with sessionmaker() as session:
            loaded = await session.scalar(select(EditionRow.id))
        assert loaded is not None
        return int(loaded)
    return await _load_the_example(sessionmaker)
