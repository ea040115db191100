"""Citizens stop campaign reminders and have them again; a voter asks to be told the results."""

from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from broadcast.audiences import recipients
from budget.campaigns import Audience, AudienceKind
from storage.tables import CitizenRow
from storage.unit_of_work import UnitOfWork
from tests.support.app import (
    DURING_VOTE,
    App,
    at_envelope,
    cast_ballot,
    consented,
    put_projects_on_the_ballot,
)


async def test_a_citizen_stops_the_reminders_and_has_them_again(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> None:
    app = App(sessionmaker)
    citizen = await consented(app)
    await citizen.send("/stop")
    assert citizen.last.text.startswith("🔕 You will get no more reminders.")
    [row] = await app.rows(CitizenRow)
    assert row.reminders_stopped_at is not None
    await citizen.click("🔔 Get the reminders again")
    assert citizen.last.text == "🔔 You will get the reminders again."
    [row] = await app.rows(CitizenRow)
    assert row.reminders_stopped_at is None


async def test_someone_who_never_consented_is_asked_first(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> None:
    app = App(sessionmaker)
    stranger = app.citizen(7)
    await stranger.send("/stop")
    assert "✅ I agree" in stranger.last_labels()
    assert await app.count(CitizenRow) == 0


async def test_a_voter_asks_from_the_receipt_to_be_told_the_results(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> None:
    await put_projects_on_the_ballot(sessionmaker, edition_id)
    app = App(sessionmaker)
    app.clock.now = DURING_VOTE
    voter = await at_envelope(app)
    await cast_ballot(voter, ["Repair café in Couvin"])
    await voter.click("🔔 Tell me the results")
    assert voter.alerts[-1] == "We will tell you the results when they are out."
    [row] = await app.rows(CitizenRow)
    assert row.wants_results


async def test_a_citizen_who_unblocks_the_bot_gets_campaigns_again(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> None:
    app = App(sessionmaker)
    citizen = await consented(app)
    async with UnitOfWork(sessionmaker) as uow:
        # What a 403 to a campaign message leaves behind.
        await uow.session.execute(
            update(CitizenRow).values(unreachable_at=datetime(2026, 11, 1, tzinfo=UTC))
        )
        await uow.commit()

    async def audience() -> list[int]:
        async with UnitOfWork(sessionmaker) as uow:
            people = await recipients(uow, edition_id, Audience(AudienceKind.EVERYONE), True)
        return [person.chat_id for person in people]

    assert await audience() == []
    await citizen.send("/start")  # what Telegram sends when the bot is unblocked
    [row] = await app.rows(CitizenRow)
    assert row.unreachable_at is None
    assert await audience() == [1]
