"""Voters and ballots put straight into storage, as the vote conversation would."""

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from budget.ballot import Project
from storage.unit_of_work import UnitOfWork
from storage.voting import CastBallot, Voter
from tests.support.app import TEST_SEALER, put_projects_on_the_ballot

NOW = datetime(2027, 4, 20, 12, tzinfo=UTC)
ENVELOPE = 200_000_00

Sessionmaker = async_sessionmaker[AsyncSession]


async def on_ballot(sessionmaker: Sessionmaker, edition_id: int) -> list[Project]:
    await put_projects_on_the_ballot(sessionmaker, edition_id)
    async with UnitOfWork(sessionmaker) as uow:
        return await uow.projects.on_ballot(edition_id)


async def registered(
    sessionmaker: Sessionmaker,
    edition_id: int,
    telegram_id: int,
    phone: str | None = None,
    identity: str | None = None,
) -> Voter:
    async with UnitOfWork(sessionmaker, sealer=TEST_SEALER) as uow:
        citizen = await uow.citizens.consent(telegram_id, "fr", None, NOW)
        voter = await uow.voting.register(edition_id, citizen.id, "namur", phone, NOW, identity)
        await uow.commit()
    return voter


async def cast(
    sessionmaker: Sessionmaker,
    edition_id: int,
    voter: Voter,
    ids: list[int],
    projects: list[Project],
) -> None:
    async with UnitOfWork(sessionmaker, sealer=TEST_SEALER) as uow:
        await uow.voting.cast(edition_id, voter, ids, projects, ENVELOPE, False, NOW)
        await uow.commit()


async def ballot_of(sessionmaker: Sessionmaker, edition_id: int, voter: Voter) -> CastBallot | None:
    """The voter's ballot as the bot reads it, with the key."""
    async with UnitOfWork(sessionmaker, sealer=TEST_SEALER) as uow:
        return await uow.voting.ballot(edition_id, voter)


async def publish(sessionmaker: Sessionmaker, edition_id: int) -> int | None:
    """The close of the vote: the ballots published, the links erased."""
    async with UnitOfWork(sessionmaker, sealer=TEST_SEALER) as uow:
        published = await uow.voting.publish(edition_id, NOW)
        await uow.commit()
    return published
