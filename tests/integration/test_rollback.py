"""An update that fails leaves nothing behind, savepoints included, on both databases."""

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.tables import VoterRow
from storage.unit_of_work import UnitOfWork

NOW = datetime(2027, 4, 20, 12, tzinfo=UTC)


async def test_a_registration_rolled_back_with_its_update_leaves_no_voter(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> None:
    async with UnitOfWork(sessionmaker) as uow:
        citizen = await uow.citizens.consent(1, "fr", None, NOW)
        await uow.commit()
    async with UnitOfWork(sessionmaker) as uow:
        # Registering takes a savepoint (for the phone number's unique constraint) as the
        # first write of the update; the update then fails and is rolled back.
        await uow.voting.register(edition_id, citizen.id, "namur", "hash", NOW)
        await uow.rollback()
    async with UnitOfWork(sessionmaker) as uow:
        assert await uow.voting.voter(edition_id, citizen.id) is None
        assert await uow.session.get(VoterRow, 1) is None


async def test_a_unit_of_work_entered_again_starts_afresh_without_the_last_entry_s_work(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> None:
    # Its session and repositories are made when first used: entered again, it must not
    # reuse the previous entry's (closed) session, nor carry its uncommitted work over.
    uow = UnitOfWork(sessionmaker)
    async with uow:
        citizen = await uow.citizens.consent(2, "fr", None, NOW)
        first = uow.session
    async with uow:
        assert uow.session is not first
        assert uow.citizens.session is uow.session
        assert await uow.citizens.by_telegram_id(citizen.telegram_id) is None
        await uow.citizens.consent(3, "nl", None, NOW)
        await uow.commit()
    async with UnitOfWork(sessionmaker) as uow:
        assert await uow.citizens.by_telegram_id(3) is not None
