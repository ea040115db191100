"""The end of the retention period (RETENTION_DAYS): conversations left untouched that long are
erased; and that long after the vote's close, where each citizen came from and how to reach
them. Once a day, by one process at a time."""

import asyncio
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from budget.edition import Edition, Phase
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

LEASE = "retention"
DAY_SECONDS = 24 * 3600.0


def edition_over(edition: Edition, now: datetime, retention: timedelta) -> bool:
    """The vote is closed, and its last day ended more than the retention period ago (a vote
    closed early by hand counts from its last day as planned: the data is kept longer, not
    shorter)."""
    window = edition.phases.get(Phase.VOTE)
    if window is None or window.end is None or not edition.vote_is_closed(now):
        return False
    return now - window.end > retention


async def purge(
    sessionmaker: async_sessionmaker[AsyncSession],
    edition_slug: str | None,
    retention: timedelta,
    now: datetime,
) -> dict[str, int]:
    async with UnitOfWork(sessionmaker) as uow:
        stored = await uow.editions.current(edition_slug)
        over = stored is not None and edition_over(stored.edition, now, retention)
        purged = await uow.personal_data.purge(now - retention, over, now)
        await uow.commit()
    return purged


async def purge_daily(
    sessionmaker: async_sessionmaker[AsyncSession],
    edition_slug: str | None,
    retention: timedelta,
    clock: Callable[[], datetime],
) -> None:
    holder = secrets.token_hex(8)
    while True:
        try:
            async with UnitOfWork(sessionmaker) as uow:
                mine = await uow.leases.take(LEASE, holder, clock(), DAY_SECONDS)
                await uow.commit()
            if mine:
                purged = await purge(sessionmaker, edition_slug, retention, clock())
                if any(purged.values()):
                    logger.info("retention period over: %s", purged)
        except Exception:  # one failed pass must not end the purges for good
            logger.exception("purging personal data failed")
        await asyncio.sleep(DAY_SECONDS)
