"""The figures' counters: one row per day, step, channel and district, counted in place on
both databases, by several units of work at once."""

import asyncio
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from budget.figures import Tally
from storage.tables import TallyRow
from storage.unit_of_work import UnitOfWork

DAY = date(2027, 4, 20)


async def count(
    sessionmaker: async_sessionmaker[AsyncSession],
    edition_id: int,
    tally: Tally,
    district: str | None = "namur",
) -> None:
    async with UnitOfWork(sessionmaker) as uow:
        await uow.tallies.add(edition_id, tally, DAY, "poster_dinant", district)
        await uow.commit()


async def test_counting_at_once_counts_every_step_on_one_row(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> None:
    await asyncio.gather(*(count(sessionmaker, edition_id, Tally.VOTE_CAST) for _ in range(8)))
    await count(sessionmaker, edition_id, Tally.VOTE_CAST, district=None)
    await count(sessionmaker, edition_id, Tally.VOTE_WITHDRAWN)
    async with UnitOfWork(sessionmaker) as uow:
        counts = await uow.tallies.counts(edition_id)
        rows = list(await uow.session.scalars(select(TallyRow)))
        assert len(rows) == 3
    found = {(c.tally, c.district): c.count for c in counts}
    assert found == {
        (Tally.VOTE_CAST, "namur"): 8,
        (Tally.VOTE_CAST, ""): 1,
        (Tally.VOTE_WITHDRAWN, "namur"): 1,
    }
    async with UnitOfWork(sessionmaker) as uow:
        assert await uow.tallies.counts(edition_id, since=date(2027, 4, 21)) == []
