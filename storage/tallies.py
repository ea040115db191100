"""Counters of the steps of the idea form and of the vote (budget/figures.py), one row per
edition, day, step, channel and district, incremented in place."""

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from budget.figures import NONE, Count, Tally
from storage.tables import CitizenRow, IdeaRow, TallyRow

# What names one counter: its row is unique on these.
KEY = ("edition_id", "day", "tally", "source", "district")


def increment(dialect: str) -> Any:
    """One more on a counter, its row made if need be; two processes counting at once both
    count."""
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(TallyRow)
    return insert.on_conflict_do_update(
        index_elements=list(KEY),
        set_={"count": TallyRow.count + 1},
    )


async def count_all(where: AsyncConnection | AsyncSession, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    bind = where.get_bind() if isinstance(where, AsyncSession) else where
    # In one order for every transaction: two that count on the same rows lock them in the
    # same order, and neither waits for the other in a circle.
    ordered = sorted(rows, key=lambda row: tuple(str(row[name]) for name in KEY))
    await where.execute(increment(bind.dialect.name), ordered)


class Tallies:
    """The counters. What is counted during an update is written with the update's other
    writes when it commits: a step of the form that only moves its chat along and counts
    stays in group commit's batch instead of committing on its own."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.pending: list[dict[str, Any]] = []

    def take(self) -> list[dict[str, Any]]:
        pending, self.pending = self.pending, []
        return pending

    async def add(
        self,
        edition_id: int,
        tally: Tally,
        day: date,
        source: str | None = None,
        district: str | None = None,
    ) -> None:
        """One more on that day's counter, written when the unit of work commits."""
        self.pending.append(
            {
                "edition_id": edition_id,
                "day": day,
                "tally": tally.value,
                "source": source or NONE,
                "district": district or NONE,
                "count": 1,
            }
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
