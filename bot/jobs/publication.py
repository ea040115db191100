"""The close of the vote, when its last day ends (or staff close it by hand with `pbbot vote
close`): its ballots are published, without their voters, by whichever process gets there
first, once."""

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.sealing import Sealer
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

CHECK_SECONDS = 30.0


async def publish_closed_vote(
    sessionmaker: async_sessionmaker[AsyncSession],
    sealer: Sealer,
    edition_slug: str | None,
    now: datetime,
) -> int | None:
    """Publish the served edition's ballots if its vote is closed and they are not yet;
    return how many were published (None: nothing to do)."""
    async with UnitOfWork(sessionmaker, sealer=sealer) as uow:
        stored = await uow.editions.current(edition_slug)
        if stored is None or not stored.edition.vote_is_closed(now):
            return None
        if not stored.edition.vote_has_opened(now) or await uow.voting.published(stored.id):
            return None
        published = await uow.voting.publish(stored.id, now)
        await uow.commit()
    if published is not None:
        logger.info("the vote is closed: %s ballots published without their voters", published)
    return published


async def publish_when_closed(
    sessionmaker: async_sessionmaker[AsyncSession],
    sealer: Sealer,
    edition_slug: str | None,
    clock: Callable[[], datetime],
) -> None:
    while True:
        try:
            await publish_closed_vote(sessionmaker, sealer, edition_slug, clock())
        except Exception:  # one failed pass must not end the watch for good
            logger.exception("publishing the ballots failed")
        await asyncio.sleep(CHECK_SECONDS)
