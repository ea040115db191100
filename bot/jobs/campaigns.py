"""Campaigns in the bot's process: the runs that are due are started (by one process at a time,
the holder of the schedule's lease), the runs under way are sent, and the staff member who
composed a campaign follows each run on one message, edited as it goes, with buttons to pause,
resume or cancel it, and a report at the end."""

import asyncio
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import EditMessageText, SendMessage, TelegramMethod
from aiogram.types import InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs.campaign_messages import campaign_message, run_keyboard
from bot.jobs.campaign_sending import telegram_send
from bot.jobs.follow_up_reminders import remind_follow_ups
from bot.reports.digest import digest_texts, is_digest, period_posts
from bot.runtime.metrics import DELIVERIES_QUEUED
from bot.runtime.render import Renderer
from broadcast.audiences import recipients
from broadcast.delivery import Sender
from broadcast.limiter import RateLimiter
from broadcast.schedule import due_run, next_run
from budget.campaigns import (
    PAID_BROADCAST_PER_SECOND,
    Audience,
    ButtonKind,
    Campaign,
    Schedule,
)
from budget.edition import Edition
from budget.serialise import load
from conversations.replies import Text
from storage.campaigns import StoredCampaign, StoredRun
from storage.deliveries import Delivery
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

SCHEDULE_LEASE = "campaign-schedule"
LEASE_SECONDS = 60.0
TICK_SECONDS = 5.0


def campaign_of(stored: StoredCampaign) -> Campaign:
    return Campaign(
        name=stored.name,
        texts=stored.texts,
        audience=load(Audience, stored.audience),
        schedule=load(Schedule, stored.schedule),
        image=stored.image,
        button=ButtonKind(stored.button) if stored.button else None,
        button_url=stored.button_url,
        html=stored.html,
        results_announcement=stored.results_announcement,
        paid_broadcast=stored.paid_broadcast,
    )


@dataclass
class _Progress:
    chat_id: int
    message_id: int
    language: str
    shown_at: float = 0.0


class Broadcaster:
    def __init__(
        self,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        renderer: Renderer,
        edition_slug: str | None,
        per_second: float,
        clock: Callable[[], datetime],
        claimer: int | None = None,
        paid_per_second: float = PAID_BROADCAST_PER_SECOND,
    ) -> None:
        self.bot = bot
        self.sessionmaker = sessionmaker
        self.renderer = renderer
        self.edition_slug = edition_slug
        self.per_second = per_second
        self.clock = clock
        # This process's liveness key on PostgreSQL (storage.liveness), carried by its claims.
        self.claimer = claimer
        self.holder = secrets.token_hex(8)
        self.limiter = RateLimiter(per_second)
        # Paid broadcasts go faster, on a limiter of their own: they do not count against the
        # free 30 a second that the other campaigns and the answers to citizens share.
        self.paid_limiter = RateLimiter(paid_per_second)
        self._campaigns: dict[int, tuple[Campaign, Edition]] = {}
        # What each run's progress message shows now: Telegram refuses an edit that changes
        # nothing ("message is not modified").
        self._shown: dict[int, str] = {}
        self._holds_schedule = False

    async def serve(self) -> None:
        """Until cancelled: recover what a dead process left, then start and send runs."""
        await Sender(self.sessionmaker, _never_send, self.limiter).recover()
        while True:
            try:
                await self.tick()
            except Exception:  # one failed tick must not end broadcasting for good
                logger.exception("broadcast tick failed")
            await asyncio.sleep(TICK_SECONDS)

    async def tick(self) -> None:
        for run in await self.start_due_runs():
            await self.announce(run)
        if self._holds_schedule:
            # After a redeploy nobody restarts with rows the old process left `sending`: the
            # one process that holds the schedule settles them, once they are surely stale.
            await Sender(self.sessionmaker, _never_send, self.limiter, clock=self.clock).recover()
        # Follow-up reminders are claimed one by one in the database, so whichever process
        # gets there first sends each of them once.
        await remind_follow_ups(self.bot, self.sessionmaker, self.renderer, self.clock())
        async with UnitOfWork(self.sessionmaker) as uow:
            runs = await uow.campaigns.runs_in(["sending"])
        for run in runs:
            await self.send_run(run)

    async def start_due_runs(self) -> list[StoredRun]:
        """Start every run that is due, with its audience as it stands now."""
        now = self.clock()
        started = []
        async with UnitOfWork(self.sessionmaker) as uow:
            self._holds_schedule = await uow.leases.take(
                SCHEDULE_LEASE, self.holder, now, LEASE_SECONDS
            )
            if not self._holds_schedule:
                return []
            stored_edition = await uow.editions.current(self.edition_slug)
            if stored_edition is None:
                return []
            edition = stored_edition.edition
            for stored in await uow.campaigns.scheduled():
                if stored.edition_id != stored_edition.id:
                    continue
                try:
                    campaign = campaign_of(stored)
                except (KeyError, TypeError, ValueError):
                    # One unreadable campaign must not hold back the others (nor the
                    # follow-up reminders sent by the same tick).
                    logger.exception("campaign %s cannot be read; it is skipped", stored.id)
                    continue
                schedule, zone = campaign.schedule, edition.zone
                due = due_run(schedule, zone, stored.created_at, now)
                if next_run(schedule, zone, stored.created_at, now) is None:
                    await uow.campaigns.set_state(stored.id, "done")
                if due is None:
                    continue
                run = await uow.campaigns.start_run(stored.id, due, now)
                if run is None:
                    continue
                # A whole audience is read and queued: on a thread, so the chats go on.
                async with uow.off_the_loop():
                    people = await recipients(
                        uow,
                        stored_edition.id,
                        campaign.audience,
                        campaign.results_announcement,
                        now,
                    )
                    if is_digest(campaign) and not await period_posts(
                        uow, stored_edition.id, stored.id, due
                    ):
                        people = []  # no progress since the last digest: nothing to tell
                    await uow.campaigns.enqueue(run.id, people, now)
                if not people:
                    await uow.campaigns.set_run_state(run.id, "done", now)
                started.append(run)
            await uow.commit()
        return started

    async def send_run(self, run: StoredRun) -> dict[str, int]:
        campaign, edition = await self._campaign(run.campaign_id)
        if is_digest(campaign):
            async with UnitOfWork(self.sessionmaker) as uow:
                stored_edition = await uow.editions.current(self.edition_slug)
                assert stored_edition is not None
                texts = await digest_texts(
                    uow,
                    stored_edition.id,
                    edition,
                    campaign,
                    run.campaign_id,
                    run.due_at,
                    self.renderer,
                )
            campaign = replace(campaign, texts=texts, html=True)

        async def compose(delivery: Delivery) -> TelegramMethod[Message]:
            method: TelegramMethod[Any] = campaign_message(
                campaign, edition, delivery.chat_id, delivery.language, self.renderer
            )
            return method

        sender = Sender(
            self.sessionmaker,
            telegram_send(self.bot, compose),
            self.paid_limiter if campaign.paid_broadcast else self.limiter,
            claimer=self.claimer,
        )
        progress = await self._progress(run)

        async def show(counts: Mapping[str, int]) -> None:
            DELIVERIES_QUEUED.set(counts.get("queued", 0))
            if progress is not None:
                await self._show(run, progress, counts, final=False)

        counts = await sender.run(run.id, on_progress=show)
        async with UnitOfWork(self.sessionmaker) as uow:
            counts = await uow.deliveries.counts(run.id)
            state = (await uow.campaigns.run(run.id) or run).state
            if state == "sending" and not counts.get("queued") and not counts.get("sending"):
                await uow.campaigns.set_run_state(run.id, "done", self.clock())
                state = "done"
            await uow.commit()
        if progress is not None and state in {"done", "cancelled"}:
            await self._show(run, progress, counts, final=True)
        return counts

    async def _campaign(self, campaign_id: int) -> tuple[Campaign, Edition]:
        known = self._campaigns.get(campaign_id)
        if known is None:
            async with UnitOfWork(self.sessionmaker) as uow:
                stored = await uow.campaigns.get(campaign_id)
                assert stored is not None
                editions = await uow.editions.current(self.edition_slug)
                assert editions is not None
            known = self._campaigns[campaign_id] = (campaign_of(stored), editions.edition)
        return known

    async def announce(self, run: StoredRun) -> None:
        """The progress message, sent to whoever composed the campaign."""
        async with UnitOfWork(self.sessionmaker) as uow:
            stored = await uow.campaigns.get(run.campaign_id)
            if stored is None or stored.created_by is None:
                # Scheduled from the command line with nobody to follow it: no progress
                # message at all, rather than one to a chat that does not exist.
                return
            staff = await uow.citizens.by_telegram_id(stored.created_by)
            counts = await uow.deliveries.counts(run.id)
        language = staff.language if staff else "en"
        # A run with nobody to send to is over as it starts: no buttons to press.
        final = not any(counts.values())
        text, markup = self._status(
            run, stored.name, language, counts, final=final, paid=stored.paid_broadcast
        )
        try:
            message = await self.bot(
                SendMessage(
                    chat_id=stored.created_by,
                    text=text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
            )
        except TelegramAPIError:
            logger.warning("could not tell %s about run %s", stored.created_by, run.id)
            return
        if not final:
            self._shown[run.id] = text
        async with UnitOfWork(self.sessionmaker) as uow:
            await uow.campaigns.set_status_message(run.id, stored.created_by, message.message_id)
            await uow.commit()

    async def _progress(self, run: StoredRun) -> _Progress | None:
        async with UnitOfWork(self.sessionmaker) as uow:
            fresh = await uow.campaigns.run(run.id)
            if fresh is None or fresh.status_chat_id is None or fresh.status_message_id is None:
                return None
            staff = await uow.citizens.by_telegram_id(fresh.status_chat_id)
        return _Progress(
            fresh.status_chat_id, fresh.status_message_id, staff.language if staff else "en"
        )

    async def _show(
        self, run: StoredRun, progress: _Progress, counts: Mapping[str, int], final: bool
    ) -> None:
        campaign, _ = await self._campaign(run.campaign_id)
        text, markup = self._status(
            run, campaign.name, progress.language, counts, final, paid=campaign.paid_broadcast
        )
        if self._shown.get(run.id) == text:
            return
        try:
            await self.bot(
                EditMessageText(
                    chat_id=progress.chat_id,
                    message_id=progress.message_id,
                    text=text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
            )
        except TelegramAPIError:
            # A message deleted by its reader and the like: the next update will do.
            logger.debug("progress of run %s not shown", run.id, exc_info=True)
            return
        if final:
            self._shown.pop(run.id, None)
        else:
            self._shown[run.id] = text

    def _status(
        self,
        run: StoredRun,
        name: str,
        language: str,
        counts: Mapping[str, int],
        final: bool,
        paid: bool = False,
    ) -> tuple[str, InlineKeyboardMarkup | None]:
        left = counts.get("queued", 0) + counts.get("sending", 0)
        rate = self.paid_limiter.per_second if paid else self.per_second
        minutes = max(1, round(left / rate / 60)) if left else 0
        key = "broadcast.status.final" if final else "broadcast.status.running"
        text = self.renderer.text(
            Text(
                key,
                name=name,
                sent=counts.get("sent", 0),
                # Those who stopped reminders or blocked the bot after the run started.
                blocked=counts.get("blocked", 0) + counts.get("skipped", 0),
                failed=counts.get("failed", 0) + counts.get("unknown", 0),
                left=left,
                minutes=minutes,
            ),
            language,
        )
        if final:
            return text, None
        return text, run_keyboard(self.renderer, run.id, "sending", language)


async def _never_send(delivery: Delivery) -> int:
    raise AssertionError("recovering sends nothing")
