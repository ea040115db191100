"""Counters of the steps of the idea form and of the vote (budget/figures.py), one row per
edition, day, step, channel and district, incremented in place."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from budget.figures import NONE, Count, Tally
from storage.dialects import dialect_insert
from storage.tables import CitizenRow, IdeaRow, TallyRow


class Tallies:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        edition_id: int,
        tally: Tally,
        day: date,
        source: str | None = None,
        district: str | None = None,
    ) -> None:
        """One more on that day's counter; two processes counting at once both count."""
        insert = dialect_insert(self.session, TallyRow).values(
            edition_id=edition_id,
            day=day,
            tally=tally.value,
            source=source or NONE,
            district=district or NONE,
            count=1,
        )
        await self.session.execute(
            insert.on_conflict_do_update(
                index_elements=["edition_id", "day", "tally", "source", "district"],
                set_={"count": TallyRow.count + 1},
            )
        )

    async def counts(self, edition_id: int, since: date | None = None) -> list[Count]:
        query = select(TallyRow).where(TallyRow.edition_id == edition_id)
        if since is not None:
            query = query.where(TallyRow.day >= since)
        known = {tally.value for tally in Tally}
        return [
            Count(row.day, Tally(row.tally), row.source, row.district, row.count)
            for row in await self.session.scalars(query.order_by(TallyRow.day, TallyRow.id))
            if row.tally in known
        ]

    async def idea_source(self, idea_id: int) -> str | None:
        """The channel that brought an idea's author: an idea published by a moderator counts
        for the author's channel, not the moderator's."""
        return await self.session.scalar(
            select(CitizenRow.source)
            .join(IdeaRow, IdeaRow.citizen_id == CitizenRow.id)
            .where(IdeaRow.id == idea_id)
        )
