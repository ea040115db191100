"""Repositories and the rules the database itself keeps, on SQLite and PostgreSQL."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from budget.edition import Phase
from storage.ideas import NewIdea
from storage.tables import CitizenRow
from storage.unit_of_work import UnitOfWork
from tests.conftest import EXAMPLE_EDITION

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def an_idea(**changes: object) -> NewIdea:
    fields: dict[str, object] = dict(
        author_kind="myself",
        organisation=None,
        title="An orchard",
        description="Apple trees",
        objectives=None,
        beneficiaries=None,
        theme="environment",
        implementation=None,
        latitude=50.45,
        longitude=4.87,
        address=None,
        budget_cents=1_250_000,
        image_file_id=None,
        attachments=[("document", "doc-1", "plan.pdf"), ("photo", "photo-1", "")],
    )
    fields.update(changes)
    return NewIdea(**fields)  # type: ignore[arg-type]


async def test_an_idea_is_stored_as_submitted_with_its_attachments_in_order(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> None:
    async with UnitOfWork(sessionmaker) as uow:
        citizen = await uow.citizens.consent(42, "fr", "poster_dinant", NOW)
        idea = await uow.ideas.submit(edition_id, citizen.id, an_idea(), NOW)
        await uow.commit()
    async with UnitOfWork(sessionmaker) as uow:
        [stored] = await uow.ideas.of_citizen(edition_id, citizen.id)
        assert stored.id == idea.id
        assert (stored.status, stored.submitted_at) == ("submitted", NOW)
        assert [(a.kind, a.file_id) for a in stored.attachments] == [
            ("document", "doc-1"),
            ("photo", "photo-1"),
        ]


async def test_nothing_is_kept_without_a_commit(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> None:
    async with UnitOfWork(sessionmaker) as uow:
        await uow.citizens.consent(42, "fr", None, NOW)
    async with UnitOfWork(sessionmaker) as uow:
        assert await uow.citizens.by_telegram_id(42) is None


async def test_the_database_refuses_a_cost_of_zero(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> None:
    async with UnitOfWork(sessionmaker) as uow:
        citizen = await uow.citizens.consent(42, "fr", None, NOW)
        with pytest.raises(IntegrityError):
            await uow.ideas.submit(edition_id, citizen.id, an_idea(budget_cents=0), NOW)


async def test_one_citizen_per_telegram_account(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> None:
    async with UnitOfWork(sessionmaker) as uow:
        first = await uow.citizens.consent(42, "fr", None, NOW)
        again = await uow.citizens.consent(42, "nl", None, NOW)
        assert again == first
        uow.session.add(CitizenRow(telegram_id=42, language="de", consented_at=NOW))
        with pytest.raises(IntegrityError):
            await uow.session.flush()


async def test_reloading_an_edition_replaces_it_and_keeps_the_phases_set_by_hand(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> None:
    async with UnitOfWork(sessionmaker) as uow:
        await uow.editions.set_phase("namur", Phase.VOTE, True)
        await uow.commit()
    source = EXAMPLE_EDITION.read_text(encoding="utf-8").replace("total = 200000", "total = 250000")
    async with UnitOfWork(sessionmaker) as uow:
        reloaded = await uow.editions.save(source, NOW)
        await uow.commit()
    assert reloaded.id == edition_id
    assert reloaded.edition.envelope_cents == 250_000_00
    assert reloaded.edition.current_phase(NOW) is Phase.VOTE
    async with UnitOfWork(sessionmaker) as uow:
        back = await uow.editions.set_phase("namur", Phase.VOTE, None)
        await uow.commit()
    assert back.edition.current_phase(NOW) is Phase.DEPOSIT


async def test_times_come_back_in_utc(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> None:
    async with UnitOfWork(sessionmaker) as uow:
        await uow.citizens.consent(42, "fr", None, NOW)
        await uow.commit()
    async with sessionmaker() as session:
        consented_at = await session.scalar(select(CitizenRow.consented_at))
    assert consented_at == NOW
    assert consented_at is not None and consented_at.utcoffset() is not None


async def test_processes_starting_together_on_a_new_database_agree_on_its_key(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    """Both find no key recorded and record theirs at once: one is kept, the same key passes,
    another key is refused."""
    from storage.keys import check_key
    from storage.sealing import KeyFileError, Sealer

    key = Sealer(b"k" * 32)
    await asyncio.gather(*(check_key(engine, key, tmp_path / "key") for _ in range(4)))
    await check_key(engine, Sealer(b"k" * 32), tmp_path / "key")
    with pytest.raises(KeyFileError):
        await check_key(engine, Sealer(b"o" * 32), tmp_path / "other")
