"""The results published once by whichever process gets there first, and who follows a project,
on SQLite and PostgreSQL."""

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.jobs.publication import publish_closed_vote
from bot.runtime.i18n import create_i18n
from bot.runtime.render import Renderer
from storage.database import create_engine, create_sessionmaker
from storage.tables import CampaignRow, IdeaRow, ProjectRow
from storage.unit_of_work import UnitOfWork
from tests.support.app import AFTER_VOTE, TEST_SEALER, idea_supported_by
from tests.support.deliveries import Sessionmaker
from tests.support.voting import cast, on_ballot, registered

RENDERER = Renderer(create_i18n())
NOW = datetime.now(UTC)


async def test_two_processes_publishing_the_results_at_once_publish_them_once(
    engine: AsyncEngine, sessionmaker: Sessionmaker, edition_id: int
) -> None:
    projects = await on_ballot(sessionmaker, edition_id)
    idea = await idea_supported_by(
        sessionmaker, edition_id, 100, "Orchards", "Apple trees.", (101, 102), "retained"
    )
    async with UnitOfWork(sessionmaker) as uow:
        row = await uow.session.get(ProjectRow, projects[0].id)
        assert row is not None
        row.idea_id = idea
        await uow.commit()
    for telegram_id in (1, 2):
        voter = await registered(sessionmaker, edition_id, telegram_id)
        await cast(sessionmaker, edition_id, voter, [projects[0].id], projects)
    if engine.dialect.name == "postgresql":
        other = create_engine(engine.url.render_as_string(hide_password=False))
        try:
            await asyncio.gather(
                *(
                    publish_closed_vote(each, TEST_SEALER, None, AFTER_VOTE, RENDERER)
                    for each in (sessionmaker, create_sessionmaker(other))
                )
            )
        finally:
            await other.dispose()
    else:
        # One process owns a SQLite database: the watch's passes come one after the other.
        for _ in range(2):
            await publish_closed_vote(sessionmaker, TEST_SEALER, None, AFTER_VOTE, RENDERER)
    async with sessionmaker() as session:
        names = list(await session.scalars(select(CampaignRow.name).order_by(CampaignRow.id)))
        funded = await session.scalar(
            select(func.count()).select_from(ProjectRow).where(ProjectRow.funded.is_(True))
        )
        status = await session.scalar(select(IdeaRow.status).where(IdeaRow.id == idea))
    assert names == ["Results: Orchards in the schools", "Results"], "once, whoever won"
    assert funded == 1
    assert status == "winner"


async def test_authors_and_supporters_follow_by_default_and_choices_are_kept(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    projects = await on_ballot(sessionmaker, edition_id)
    idea = await idea_supported_by(
        sessionmaker, edition_id, 100, "Orchards", "Apple trees.", (101,), "retained"
    )
    async with UnitOfWork(sessionmaker) as uow:
        row = await uow.session.get(ProjectRow, projects[0].id)
        assert row is not None
        row.idea_id = idea
        author = await uow.citizens.by_telegram_id(100)
        supporter = await uow.citizens.by_telegram_id(101)
        stranger = await uow.citizens.consent(102, "nl", None, NOW)
        assert author is not None and supporter is not None
        number = projects[0].id
        assert await uow.accountability.followers(number) == {author.id, supporter.id}
        await uow.accountability.set_following(number, supporter.id, False, NOW)
        await uow.accountability.set_following(number, stranger.id, True, NOW)
        await uow.commit()
    async with UnitOfWork(sessionmaker) as uow:
        assert await uow.accountability.followers(number) == {author.id, stranger.id}
        await uow.accountability.set_following(number, supporter.id, True, NOW)
        await uow.commit()
    async with UnitOfWork(sessionmaker) as uow:
        assert await uow.accountability.followers(number) == {
            author.id,
            supporter.id,
            stranger.id,
        }
