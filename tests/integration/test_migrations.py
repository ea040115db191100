"""The schema is built by the migrations alone, up to head and back down, on both databases."""

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import create_sessionmaker
from storage.migrate import current_revision, downgrade, upgrade
from storage.tables import Base, VoterRow
from storage.unit_of_work import UnitOfWork
from storage.voting import Voter
from tests.conftest import EXAMPLE_EDITION
from tests.support.app import TEST_SEALER

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
    "stand_entries",
    "tallies",
    "integrity_counts",
    "integrity_numbers",
    "integrity_alarms",
    "unreachable_staff",
    "project_follows",
    "progress_posts",
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


async def old_vote(engine: AsyncEngine, overrides: str, phone: str | None) -> int:
    """At revision 0007 (ballots joined to voters), an edition with a voter and their ballot."""
    await downgrade(engine, "0007")
    source = EXAMPLE_EDITION.read_text(encoding="utf-8")
    now = datetime(2027, 4, 20, 12, tzinfo=UTC)
    async with engine.begin() as connection:
        run = connection.execute

        async def insert(statement: str, **values: object) -> int:
            return int((await run(text(statement + " RETURNING id"), values)).scalar_one())

        edition = await insert(
            "INSERT INTO editions (slug, source, overrides, loaded_at) "
            "VALUES ('namur', :source, :overrides, :now)",
            source=source,
            overrides=overrides,
            now=now,
        )
        citizen = await insert(
            "INSERT INTO citizens (telegram_id, language, consented_at, wants_results) "
            "VALUES (77, 'fr', :now, false)",
            now=now,
        )
        projects = [
            await insert(
                "INSERT INTO projects (edition_id, title, summary, cost_cents, created_at) "
                "VALUES (:e, :title, :title, :cost, :now)",
                title='{"fr": "P"}',
                e=edition,
                cost=cost,
                now=now,
            )
            for cost in (1000, 2000, 3000)
        ]
        voter = await insert(
            "INSERT INTO voters (edition_id, citizen_id, district, phone_hash, ballots_cast, "
            "registered_at) VALUES (:e, :c, 'namur', :phone, 2, :now)",
            e=edition,
            c=citizen,
            phone=phone,
            now=now,
        )
        ballot = await insert(
            "INSERT INTO ballots (edition_id, voter_id, envelope_cents, total_cents, version, "
            "receipt, cast_at) VALUES (:e, :v, 20000000, 4000, 2, 'ACD-EFG', :now)",
            e=edition,
            v=voter,
            now=now,
        )
        for project in (projects[0], projects[2]):
            await run(
                text("INSERT INTO ballot_items (ballot_id, project_id) VALUES (:b, :p)"),
                {"b": ballot, "p": project},
            )
    return edition


async def test_the_upgrade_seals_the_ballots_of_a_running_vote_with_the_key(
    engine: AsyncEngine,
) -> None:
    edition = await old_vote(engine, '{"vote": true}', phone=None)
    await upgrade(engine, sealer=TEST_SEALER)
    async with UnitOfWork(create_sessionmaker(engine), sealer=TEST_SEALER) as uow:
        [voter_id] = list(await uow.session.scalars(select(VoterRow.id)))
        ballot = await uow.voting.ballot(edition, Voter(voter_id, 0, None))
        assert await uow.voting.published(edition) is False
    assert ballot is not None
    assert (ballot.receipt, ballot.version, ballot.total_cents) == ("ACD-EFG", 2, 4000)
    assert len(ballot.project_ids) == 2


async def test_the_upgrade_publishes_the_ballots_of_a_closed_vote_and_forgets_the_phones(
    engine: AsyncEngine,
) -> None:
    edition = await old_vote(engine, '{"vote": false, "results": true}', phone="0" * 64)
    await upgrade(engine)
    async with UnitOfWork(create_sessionmaker(engine)) as uow:
        [published] = await uow.voting.published_ballots(edition)
        phones = list(await uow.session.scalars(select(VoterRow.phone_hash)))
    assert published.receipt == "ACD-EFG" and len(published.project_ids) == 2
    assert phones == [None]


async def test_the_upgrade_stops_on_a_running_vote_whose_phones_it_cannot_carry_over(
    engine: AsyncEngine,
) -> None:
    await old_vote(engine, '{"vote": true}', phone="0" * 64)
    with pytest.raises(RuntimeError, match="finish this vote with the version that started it"):
        await upgrade(engine, sealer=TEST_SEALER)
    assert await current_revision(engine) == "0007", "nothing was changed"
    # The database is the session's on PostgreSQL: leave it at head for the other tests.
    async with engine.begin() as connection:
        await connection.execute(text("DELETE FROM voters"))
    await upgrade(engine)


async def test_idea_drafts_move_to_their_own_destiny_and_keep_their_chat_listening(
    engine: AsyncEngine,
) -> None:
    await downgrade(engine, "0010")
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    async with engine.begin() as connection:
        for chat, state in ((1, "IdeaForm:filling"), (2, "IdeaForm:paused")):
            await connection.execute(
                text(
                    "INSERT INTO conversation_states (key, state, data, updated_at, version) "
                    "VALUES (:key, :state, :data, :now, 3)"
                ),
                {
                    "key": f"fsm:9:{chat}:{chat}:default",
                    "state": state,
                    "data": '{"token": "abc", "step": "title"}',
                    "now": now,
                },
            )
    await upgrade(engine)
    async with engine.connect() as connection:
        rows = {
            key: (state, data)
            for key, state, data in await connection.execute(
                text("SELECT key, state, data FROM conversation_states ORDER BY key")
            )
        }
    loaded = {
        key: (state, data if isinstance(data, dict) else __import__("json").loads(data))
        for key, (state, data) in rows.items()
    }
    assert loaded == {
        "fsm:9:1:1:default": ("IdeaForm:answering", {}),
        "fsm:9:1:1:form": (None, {"token": "abc", "step": "title"}),
        "fsm:9:2:2:form": (None, {"token": "abc", "step": "title"}),
    }
