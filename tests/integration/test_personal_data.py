"""Citizens' personal data on SQLite and PostgreSQL: everything kept about one citizen, its
erasure (what others rely on stays, without a name), and the retention period's purge."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs.retention import purge
from storage.tables import CitizenRow, ConversationStateRow, IdeaRow, StandEntryRow, SupportRow
from storage.unit_of_work import UnitOfWork
from tests.support.app import TEST_SEALER, idea_supported_by
from tests.support.voting import ballot_of, cast, on_ballot, registered

NOW = datetime(2027, 4, 20, 12, tzinfo=UTC)
Sessionmaker = async_sessionmaker[AsyncSession]


async def test_the_export_holds_everything_but_what_a_ballot_says(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    projects = await on_ballot(sessionmaker, edition_id)
    await idea_supported_by(sessionmaker, edition_id, 11, "A fountain", "Water.", (12,))
    voter = await registered(sessionmaker, edition_id, 11)
    await cast(sessionmaker, edition_id, voter, [projects[0].id], projects)
    async with UnitOfWork(sessionmaker) as uow:
        data = await uow.personal_data.of(11)
        supporter = await uow.personal_data.of(12)
    assert data is not None and supporter is not None
    assert data["ideas"][0]["title"] == "A fountain"
    assert data["voter"][0]["ballot"].startswith("cast, sealed")
    assert set(data["voter"][0]) == {
        "district",
        "registered_at",
        "phone_number",
        "identity_reference",
        "ballot",
    }, "never what the ballot holds"
    assert supporter["supported_ideas"] == [data["ideas"][0]["number"]]


async def test_forgetting_leaves_the_ballot_the_published_idea_and_the_supports_nameless(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    projects = await on_ballot(sessionmaker, edition_id)
    published = await idea_supported_by(
        sessionmaker, edition_id, 11, "A fountain", "Water.", (12, 13)
    )
    hidden = await idea_supported_by(
        sessionmaker, edition_id, 11, "Insults", "Rude.", (), status="rejected"
    )
    voter = await registered(sessionmaker, edition_id, 11)
    await cast(sessionmaker, edition_id, voter, [projects[1].id], projects)
    async with UnitOfWork(sessionmaker) as uow:
        uow.session.add(
            ConversationStateRow(
                key="fsm:1:11:11:default", state="IdeaForm:filling", data={}, updated_at=NOW
            )
        )
        await uow.commit()
    async with UnitOfWork(sessionmaker) as uow:
        erased = await uow.personal_data.forget(11, NOW)
        await uow.commit()
    assert erased is not None
    assert (erased.ideas_deleted, erased.ideas_kept_without_author, erased.states_deleted) == (
        1,
        1,
        1,
    )
    async with sessionmaker() as session:
        ideas = {row.id: row for row in await session.scalars(select(IdeaRow))}
        supports = await session.scalar(select(func.count()).select_from(SupportRow))
        citizen = await session.get(CitizenRow, ideas[published].citizen_id)
    assert hidden not in ideas and published in ideas
    assert supports == 2
    assert citizen is not None and citizen.telegram_id < 0 and citizen.forgotten_at == NOW
    assert citizen.source is None
    ballot = await ballot_of(sessionmaker, edition_id, voter)
    assert ballot is not None and ballot.project_ids == (projects[1].id,), "still counted"
    async with UnitOfWork(sessionmaker, sealer=TEST_SEALER) as uow:
        assert await uow.personal_data.of(11) is None, "nothing is kept about that account"


async def test_the_retention_period_ends_idle_conversations_then_the_editions_contacts(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    number = await idea_supported_by(sessionmaker, edition_id, 11, "A fountain", "Water.", (12,))
    old, recent = NOW - timedelta(days=800), NOW - timedelta(days=3)
    async with UnitOfWork(sessionmaker) as uow:
        # Entered on paper at a stand, with its author's name and contact.
        await uow.stands.record(
            edition_id, "idea", "library-namur", 11, "P-1", NOW, number, "Marie", "0470 99 88 77"
        )
        for key, at in (("fsm:1:12:12:default", old), ("fsm:1:11:11:default", recent)):
            uow.session.add(
                ConversationStateRow(key=key, state="IdeaForm:filling", data={}, updated_at=at)
            )
        await uow.commit()
    retention = timedelta(days=730)
    during_results = datetime(2027, 6, 1, 12, tzinfo=UTC)
    purged = await purge(sessionmaker, None, retention, during_results)
    assert purged == {"conversation_states": 1}
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(ConversationStateRow)) == 1
    long_after = datetime(2029, 6, 1, 12, tzinfo=UTC)
    purged = await purge(sessionmaker, None, retention, long_after)
    assert purged["citizens_made_anonymous"] == 2
    async with sessionmaker() as session:
        ids = list(await session.scalars(select(CitizenRow.telegram_id)))
        ideas = await session.scalar(select(func.count()).select_from(IdeaRow))
    assert all(telegram_id < 0 for telegram_id in ids)
    assert ideas == 1, "the published idea stays"
    assert purged["paper_authors"] == 1
    async with sessionmaker() as session:
        [entry] = list(await session.scalars(select(StandEntryRow)))
    assert (entry.reference, entry.author_name, entry.author_contact) == ("P-1", None, None)
