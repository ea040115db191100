"""Alembic, driven from code: the bot and the command line bring the schema up to date."""

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.sealing import Sealer

MIGRATIONS = Path(__file__).parent / "migrations"

Action = Callable[[Config], None]


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def upgrade(
    engine: AsyncEngine, revision: str = "head", sealer: Sealer | None = None
) -> None:
    """Bring the schema up to `revision`; `sealer`, the key outside the database, for the
    migrations that seal data (the ballots of a running vote)."""
    await _run(engine, lambda config: command.upgrade(config, revision), sealer)


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    await _run(engine, lambda config: command.downgrade(config, revision))


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


# PostgreSQL's advisory locks share one space of keys: chats use their (positive) ids, so the
# locks of whole jobs are negative.
MIGRATION_LOCK = -1


async def _run(engine: AsyncEngine, action: Action, sealer: Sealer | None = None) -> None:
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        config.attributes["sealer"] = sealer
        action(config)

    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Two `pbbot migrate` at once (two replicas starting): one waits for the other,
            # then finds the schema up to date.
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
            )
        await connection.run_sync(run)


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
