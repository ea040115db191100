"""The integrity watch while the vote runs: every few minutes the counts are read and checked
(budget.integrity.IntegrityWatch), and each new alarm is told to the admins in the chat, in
their language, once: whichever process writes it first tells it. The alarms' later updates
(a wave that goes on) are kept for `pbbot integrity report`, not told again."""

import asyncio
import logging
from collections.abc import Callable, Collection
from datetime import datetime

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.handlers.integrity import alarm_message, encode_integrity
from bot.runtime.render import Renderer
from bot.runtime.reply_queue import ReplyNotSent, deliver
from budget.edition import Phase
from budget.integrity import IntegrityThresholds, IntegrityWatch
from budget.roles import Role
from conversations.replies import Reply
from storage.sealing import Sealer
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

# The bench checks every 5 minutes: a wave of an hour is seen within its first half.
CHECK_SECONDS = 300.0


class IntegrityJob:
    """One per process: its watch remembers, in memory only, the running totals it read at
    its recent checks (see IntegrityWatch)."""

    def __init__(
        self,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        renderer: Renderer,
        edition_slug: str | None,
        admins: Collection[int],
        sealer: Sealer | None = None,
    ) -> None:
        self.bot = bot
        self.sessionmaker = sessionmaker
        self.renderer = renderer
        self.edition_slug = edition_slug
        # The admins of the settings (STAFF_IDS); those named with /staff are read each time.
        self.admins = set(admins)
        self.sealer = sealer
        self._watch: tuple[int, IntegrityThresholds, IntegrityWatch] | None = None

    def watch(self, edition_id: int, thresholds: IntegrityThresholds) -> IntegrityWatch:
        """The watch of this edition with these thresholds: a new one when staff change them."""
        if self._watch is None or self._watch[:2] != (edition_id, thresholds):
            self._watch = (edition_id, thresholds, IntegrityWatch(thresholds))
        return self._watch[2]

    async def check(self, now: datetime) -> int:
        """Check the counts once; tell the admins each new alarm. Return how many were new."""
        told: list[tuple[Reply, int, str]] = []
        async with UnitOfWork(self.sessionmaker, sealer=self.sealer) as uow:
            stored = await uow.editions.current(self.edition_slug)
            if stored is None or not stored.edition.is_open(Phase.VOTE, now):
                return 0
            thresholds = stored.edition.integrity
            watch = self.watch(stored.id, thresholds)
            counts = await uow.integrity.counts(
                stored.id, watch.reads_since(now), thresholds.account_min_numbers
            )
            raised = [kept.alarm for kept in await uow.integrity.alarms(stored.id)]
            new = []
            for alarm in watch.check(counts, now, raised):
                alarm_id = await uow.integrity.keep(stored.id, alarm)
                if alarm_id is not None:
                    new.append(alarm_id)
            if new:
                admins = self.admins | set(await uow.staff.members(Role.ADMIN.value))
                known = await uow.citizens.by_telegram_ids(sorted(admins))
                first_language = stored.edition.languages[0]
                for alarm_id in new:
                    kept = await uow.integrity.alarm(alarm_id)
                    assert kept is not None
                    reply = await alarm_message(uow, stored, kept)
                    for admin in sorted(admins):
                        citizen = known.get(admin)
                        told.append((reply, admin, citizen.language if citizen else first_language))
            await uow.commit()
        for alarm_id in new:
            logger.warning("integrity alarm %s raised", alarm_id)
        # Told once written: an alarm is never told twice, at worst lost with a process that
        # dies right here (`pbbot integrity report` still lists it).
        for reply, admin, language in told:
            try:
                for method in self.renderer.methods(reply, admin, language, encode_integrity):
                    await deliver(self.bot, method)
            except ReplyNotSent:
                logger.warning("an integrity alarm could not reach admin %s", admin)
        return len(new)

    async def serve(self, clock: Callable[[], datetime]) -> None:
        while True:
            try:
                await self.check(clock())
            except Exception:  # one failed check must not end the watch for good
                logger.exception("the integrity check failed")
            await asyncio.sleep(CHECK_SECONDS)
