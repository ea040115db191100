"""The close of the vote, when its last day ends (or staff close it by hand with `pbbot vote
close`): its ballots are published, without their voters, by whichever process gets there
first, once. Then, when the results phase comes, the results: each project funded or not, its
idea's status, and the news to those who follow it or asked (bot.reports.statuses)."""

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.reports.statuses import publish_results
from bot.runtime.render import Renderer
from budget.edition import Phase
from storage.sealing import Sealer
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

CHECK_SECONDS = 30.0


async def publish_closed_vote(
    sessionmaker: async_sessionmaker[AsyncSession],
    sealer: Sealer,
    edition_slug: str | None,
    now: datetime,
    renderer: Renderer | None = None,
) -> int | None:
    """Publish the served edition's ballots if its vote is closed and they are not yet, and
    (with a `renderer` to word the news) its results once the results phase is open; return
    how many ballots were published (None: nothing to do)."""
    async with UnitOfWork(sessionmaker, sealer=sealer) as uow:
        stored = await uow.editions.current(edition_slug)
        if stored is None or not stored.edition.vote_is_closed(now):
            return None
        if not stored.edition.vote_has_opened(now):
            return None
        # Every ballot is read and written: on a thread, so that the chats go on meanwhile.
        async with uow.off_the_loop():
            published = None
            if not await uow.voting.published(stored.id):
                published = await uow.voting.publish(stored.id, now)
            results = False
            if renderer is not None and stored.edition.is_open(Phase.RESULTS, now):
                results = await publish_results(uow, stored, renderer, now)
            await uow.commit()
    if published is not None:
        logger.info("the vote is closed: %s ballots published without their voters", published)
    if results:
        logger.info("the results are published: statuses set, announcements queued")
    return published


async def publish_when_closed(
    sessionmaker: async_sessionmaker[AsyncSession],
    sealer: Sealer,
    edition_slug: str | None,
    clock: Callable[[], datetime],
    renderer: Renderer | None = None,
) -> None:
    while True:
        try:
            await publish_closed_vote(sessionmaker, sealer, edition_slug, clock(), renderer)
        except Exception:  # one failed pass must not end the watch for good
            logger.exception("publishing the ballots or the results failed")
        await asyncio.sleep(CHECK_SECONDS)
