import shutil
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import EXAMPLE_EDITION
from tests.support.app import App
from tests.support.command_line import pbbot


@pytest.fixture
def app(sessionmaker: async_sessionmaker[AsyncSession], edition_id: int) -> App:
    return App(sessionmaker)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty directory (no .env) with its own database, for the `pbbot` command."""
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_TOKEN", "BOT_API_URL", "EDITION", "STAFF_IDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'pbbot.db'}")
    return tmp_path


@pytest.fixture
def edition_dir(workdir: Path, migrated_sqlite: Path) -> Path:
    """The same, with the example edition loaded."""
    shutil.copyfile(migrated_sqlite, workdir / "pbbot.db")
    assert pbbot("edition", "load", str(EXAMPLE_EDITION))[0] == 0
    return workdir
