"""The schema is built by the migrations alone, up to head and back down, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.migrate import current_revision, downgrade, upgrade
from storage.tables import Base

TABLES = {
    "editions",
    "citizens",
    "ideas",
    "idea_attachments",
    "conversation_states",
    "projects",
    "voters",
    "ballots",
    "ballot_items",
    "campaigns",
    "campaign_runs",
    "deliveries",
    "leases",
    "staff_roles",
    "audit_log",
    "supports",
    "suggestions",
    "follow_ups",
    "volunteers",
    "committee_votes",
    "processed_updates",
    "key_checks",
}


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    return names - {"alembic_version"}


async def test_migrations_go_up_to_head_and_back_down_to_nothing(engine: AsyncEngine) -> None:
    assert await table_names(engine) == TABLES
    assert await current_revision(engine) is not None
    await downgrade(engine, "base")
    assert await table_names(engine) == set()
    assert await current_revision(engine) is None
    await upgrade(engine)
    assert await table_names(engine) == TABLES


async def test_the_migrations_build_exactly_the_tables_the_code_declares(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection:
        differences = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    assert differences == []
