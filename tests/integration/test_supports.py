"""Supports and suggestions, kept by the database on SQLite and PostgreSQL, also when taps come
at once (a double tap, two devices, several bot processes)."""

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from budget.ideas import IdeaStatus
from conversations.idea_browser import OPEN_TO_SUPPORT, PUBLIC
from storage.ideas import NewIdea
from storage.tables import IdeaRow, SuggestionRow, SupportRow
from storage.unit_of_work import UnitOfWork
from tests.conftest import EXAMPLE_EDITION

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)

Sessionmaker = async_sessionmaker[AsyncSession]


async def citizen(sessionmaker: Sessionmaker, telegram_id: int) -> int:
    async with UnitOfWork(sessionmaker) as uow:
        consented = await uow.citizens.consent(telegram_id, "fr", None, NOW)
        await uow.commit()
    return consented.id


async def idea(
    sessionmaker: Sessionmaker,
    edition_id: int,
    status: IdeaStatus = IdeaStatus.PUBLISHED,
    title: str = "Orchards in the schools",
) -> int:
    author = await citizen(sessionmaker, 900)
    answers = NewIdea(
        author_kind="myself",
        organisation=None,
        title=title,
        description="Twenty apple trees by the school of Jambes.",
        objectives=None,
        beneficiaries=None,
        theme="environment",
        implementation=None,
        latitude=None,
        longitude=None,
        address=None,
        budget_cents=12_500_00,
        image_file_id=None,
    )
    async with UnitOfWork(sessionmaker) as uow:
        row = await uow.ideas.submit(edition_id, author, answers, NOW)
        row.status = status.value
        await uow.commit()
        return row.id


async def support(
    sessionmaker: Sessionmaker, edition_id: int, idea_id: int, citizen_id: int
) -> bool:
    async with UnitOfWork(sessionmaker) as uow:
        added = await uow.browsing.support(edition_id, idea_id, citizen_id, NOW, OPEN_TO_SUPPORT)
        await uow.commit()
    return added


async def supports(sessionmaker: Sessionmaker, idea_id: int) -> int:
    async with UnitOfWork(sessionmaker) as uow:
        return await uow.browsing.supports(idea_id)


async def test_many_taps_at_once_make_one_support(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    orchards = await idea(sessionmaker, edition_id)
    someone = await citizen(sessionmaker, 1)
    added = await asyncio.gather(
        *(support(sessionmaker, edition_id, orchards, someone) for _ in range(8))
    )
    assert added.count(True) == 1
    assert await supports(sessionmaker, orchards) == 1


async def test_many_citizens_at_once_are_all_counted(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    orchards = await idea(sessionmaker, edition_id)
    people = [await citizen(sessionmaker, telegram_id) for telegram_id in range(1, 11)]
    added = await asyncio.gather(
        *(support(sessionmaker, edition_id, orchards, person) for person in people)
    )
    assert all(added)
    async with UnitOfWork(sessionmaker) as uow:
        [listed] = await uow.browsing.listed(edition_id, PUBLIC)
    assert listed.supports == 10


async def test_the_database_itself_refuses_a_second_support(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    orchards = await idea(sessionmaker, edition_id)
    someone = await citizen(sessionmaker, 1)
    row = {"idea_id": orchards, "citizen_id": someone, "at": NOW}
    async with sessionmaker() as session:
        await session.execute(insert(SupportRow).values(**row))
        with pytest.raises(IntegrityError):
            await session.execute(insert(SupportRow).values(**row))


@pytest.mark.parametrize(
    "status", [IdeaStatus.SUBMITTED, IdeaStatus.NOT_FEASIBLE, IdeaStatus.MERGED]
)
async def test_an_idea_that_takes_no_supports_gets_none(
    sessionmaker: Sessionmaker, edition_id: int, status: IdeaStatus
) -> None:
    closed = await idea(sessionmaker, edition_id, status)
    someone = await citizen(sessionmaker, 1)
    assert not await support(sessionmaker, edition_id, closed, someone)
    assert await supports(sessionmaker, closed) == 0


async def test_an_idea_moved_on_by_staff_takes_no_more_supports(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    orchards = await idea(sessionmaker, edition_id)
    first, second = await citizen(sessionmaker, 1), await citizen(sessionmaker, 2)
    assert await support(sessionmaker, edition_id, orchards, first)
    async with sessionmaker() as session:
        await session.execute(
            update(IdeaRow).where(IdeaRow.id == orchards).values(status="not_feasible")
        )
        await session.commit()
    assert not await support(sessionmaker, edition_id, orchards, second)
    assert await supports(sessionmaker, orchards) == 1


async def test_only_public_ideas_of_the_edition_are_read(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    source = EXAMPLE_EDITION.read_text(encoding="utf-8").replace('"namur"', '"elsewhere"', 1)
    async with UnitOfWork(sessionmaker) as uow:
        other = await uow.editions.save(source, NOW)
        await uow.commit()
    shown = await idea(sessionmaker, edition_id)
    waiting = await idea(sessionmaker, edition_id, IdeaStatus.SUBMITTED, "Waiting")
    foreign = await idea(sessionmaker, other.id, title="Elsewhere")
    someone = await citizen(sessionmaker, 1)
    assert not await support(sessionmaker, edition_id, foreign, someone)
    async with UnitOfWork(sessionmaker) as uow:
        assert [row.id for row in await uow.browsing.listed(edition_id, PUBLIC)] == [shown]
        assert await uow.browsing.visible(edition_id, shown, PUBLIC) is not None
        assert await uow.browsing.visible(edition_id, waiting, PUBLIC) is None
        assert await uow.browsing.visible(edition_id, foreign, PUBLIC) is None


async def test_suggestions_are_kept_for_moderation_and_only_published_ones_are_read(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    orchards = await idea(sessionmaker, edition_id)
    someone = await citizen(sessionmaker, 1)
    async with UnitOfWork(sessionmaker) as uow:
        for text in ("Plant pears too.", "Ask the pupils to care for them."):
            await uow.browsing.suggest(orchards, someone, text, NOW)
        await uow.commit()
    async with UnitOfWork(sessionmaker) as uow:
        assert await uow.browsing.suggestions(orchards) == []
        await uow.session.execute(
            update(SuggestionRow)
            .where(SuggestionRow.text == "Plant pears too.")
            .values(status="published")
        )
        assert await uow.browsing.suggestions(orchards) == ["Plant pears too."]
