"""The delivery of one campaign run: every citizen of the run gets its message at most once,
and every one who can be reached gets it.

How a message goes out:

1. A small batch of queued deliveries (about a tenth of a second's worth at the rate) is
   claimed, marked `sending` and committed *before* any call is made. If the process dies
   during the calls, those rows are still `sending`; `recover` then marks them `unknown` and
   they are never sent again, because nobody can tell whether Telegram delivered them.
2. The calls go out concurrently, each waiting for its slot in the shared `RateLimiter`.
3. What Telegram answered is recorded in batches, in the same short transaction that claims
   the next batch: sent (with its message id), blocked (and the citizen marked unreachable),
   back to the queue with a growing delay, or failed after the last attempt.

The next batch is claimed while the previous one is still being sent, so the limiter never
runs dry and the rate is kept; the transaction holds no lock across a network call. Between
batches the run's state is read again: when staff pause or cancel it, nothing more is claimed,
the calls not yet started are handed back to the queue and the ones under way are finished.
"""

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from broadcast.limiter import RateLimiter
from storage.deliveries import Delivery, DeliveryState, Retry
from storage.unit_of_work import UnitOfWork

__all__ = [
    "Blocked",
    "Delivery",
    "DeliveryState",
    "RetryAfter",
    "Send",
    "SendFailed",
    "Sender",
]

logger = logging.getLogger(__name__)
T = TypeVar("T")

# A run is sent only while its state is this one (staff may pause or cancel it).
RUN_SENDING = "sending"
# How much of the rate one claim takes: a crash leaves about that many rows in doubt.
BATCH_SECONDS = 0.1
# On PostgreSQL a row's claiming process is known alive or dead by its liveness lock; a row
# claimed without one (before that lock existed) is left alone for as long as a call can last
# (aiogram's request timeout is 60 s) plus a 429's retry_after.
STALE_AFTER_SECONDS = 300.0
# The longest wait before the run's state is read again while nothing can be sent.
IDLE_CHECK_SECONDS = 1.0
PROGRESS_SECONDS = 1.0
# When `run` is cancelled, how long the calls under way may take to end: each one cut short is
# a citizen who may or may not have got the message.
CANCEL_GRACE_SECONDS = 1.0


class Blocked(Exception):
    """The citizen blocked the bot or the chat is gone: never retried."""


class RetryAfter(Exception):
    """Telegram asks to slow down (429): all sending pauses, then the same message is sent
    again; this is not a failed attempt."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class SendFailed(Exception):
    """The message did not go: tried again later, up to the last attempt, unless `permanent`
    (Telegram refuses it as it is, an image it cannot fetch for instance)."""

    def __init__(self, reason: str, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


Send = Callable[[Delivery], Awaitable[int]]
"""Sends one delivery's message and returns Telegram's message id, or raises one of the
exceptions above."""

Progress = Callable[[dict[str, int]], Awaitable[None]]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Job:
    delivery: Delivery
    task: "asyncio.Task[None] | None" = None
    # The call to Telegram has started: if it is cut short, the message may have gone.
    calling: bool = False


@dataclass
class _Outcomes:
    sent: list[tuple[int, int]] = field(default_factory=list)
    blocked: list[int] = field(default_factory=list)
    retries: list[Retry] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.sent or self.blocked or self.retries or self.failed)

    def merge(self, other: "_Outcomes") -> None:
        self.sent.extend(other.sent)
        self.blocked.extend(other.blocked)
        self.retries.extend(other.retries)
        self.failed.extend(other.failed)


class Sender:
    """Sends runs through `send`, sharing `limiter` with every other sender of the process.

    Several senders, in one process or several, may work on the same run at once on
    PostgreSQL: a row is claimed by one of them only."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        send: Send,
        limiter: RateLimiter,
        *,
        max_attempts: int = 4,
        backoff: tuple[float, ...] = (2.0, 10.0, 60.0),
        in_flight: int | None = None,
        clock: Callable[[], datetime] = utc_now,
        claimer: int | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.sessionmaker = sessionmaker
        self.send = send
        self.limiter = limiter
        self.max_attempts = max_attempts
        self.backoff = backoff or (0.0,)
        self.clock = clock
        # The process's liveness key (storage.liveness) its claims carry, on PostgreSQL: the
        # moment the process dies, another one can settle what it left `sending`.
        self.claimer = claimer
        self.batch = max(1, math.ceil(limiter.per_second * BATCH_SECONDS))
        # Calls under way plus those waiting for their slot. Enough for Telegram's latency at
        # the rate; each is a row in doubt if the process dies.
        self.in_flight = max(self.batch, in_flight or max(4 * self.batch, 50))

    async def recover(self, stale_after_seconds: float | None = None) -> int:
        """At start-up: deliveries left `sending` by a process that died become `unknown`.
        By default every one on SQLite (one process owns the database, and it is starting),
        and those older than STALE_AFTER_SECONDS on PostgreSQL, where other processes may be
        sending right now; call it from time to time there. Returns how many."""
        recovered = await _whole(self._recover(stale_after_seconds))
        if recovered:
            logger.warning("%s deliveries were cut short by a stop and are left unsent", recovered)
        return recovered

    async def _recover(self, stale_after_seconds: float | None) -> int:
        now = self.clock()
        async with UnitOfWork(self.sessionmaker) as uow:
            postgresql = uow.session.get_bind().dialect.name == "postgresql"
            if stale_after_seconds is None:
                stale_after_seconds = STALE_AFTER_SECONDS if postgresql else 0.0
            recovered = await uow.deliveries.recover(
                now - timedelta(seconds=stale_after_seconds), now=now, dead_claimers=postgresql
            )
            await uow.commit()
        return recovered

    async def run(self, run_id: int, on_progress: Progress | None = None) -> dict[str, int]:
        """Send the run's queued deliveries until none is left (waiting for retries as
        needed), or until its state is no longer `sending`. Returns the count of deliveries
        in each state; `on_progress` gets the same at most once a second meanwhile."""
        return await _Run(self, run_id, on_progress).go()


class _Run:
    """The state of one `Sender.run`."""

    def __init__(self, sender: Sender, run_id: int, on_progress: Progress | None) -> None:
        self.sender = sender
        self.run_id = run_id
        self.on_progress = on_progress
        self.jobs: dict[int, _Job] = {}
        # Jobs waiting for their slot in the limiter (not calling).
        self.waiting = 0
        # What the calls ended with, not yet recorded; swapped for a new one at each record.
        self.outcomes = _Outcomes()
        # Set whenever a job passes the limiter or ends.
        self.wake = asyncio.Event()
        self.progress_at = -math.inf
        self.progress_task: asyncio.Task[None] | None = None
        # Claimed and committed, their jobs not started yet: handed back if `run` is
        # cancelled in between.
        self.unstarted: list[Retry] = []

    async def go(self) -> dict[str, int]:
        sender = self.sender
        # Claim again once a batch or less waits for the limiter: it never runs dry, even
        # through a stall of the event loop or a slow commit, and a crash leaves at most two
        # batches that never went (besides the calls under way) in doubt.
        low_water = sender.batch
        try:
            while True:
                had_jobs = bool(self.jobs)
                room = sender.in_flight - len(self.jobs)
                claimed, running, pending, due = await self.cycle(min(sender.batch, room))
                if not running:
                    await self.stop()
                    return await self.finish()
                self.unstarted = []
                for delivery in claimed:
                    self.start(delivery)
                if claimed:
                    while self.jobs and (
                        self.waiting > low_water or len(self.jobs) >= sender.in_flight
                    ):
                        await self.changed()
                elif had_jobs:
                    # Nothing to claim now: wait for the calls under way, to record them.
                    tasks = [job.task for job in self.jobs.values() if job.task]
                    if tasks:
                        await asyncio.wait(tasks, timeout=IDLE_CHECK_SECONDS)
                elif not pending:
                    return await self.finish()
                else:
                    # Only retries are left: sleep until the first is due, but read the run's
                    # state at least every IDLE_CHECK_SECONDS meanwhile, so a pause is seen.
                    wait = IDLE_CHECK_SECONDS
                    if due is not None:
                        wait = min(wait, (due - sender.clock()).total_seconds())
                    if wait > 0:
                        await asyncio.sleep(wait)
        except BaseException:
            # Cancelled (the process is stopping), or the database failed us.
            await self.abandon()
            raise

    async def changed(self) -> None:
        self.wake.clear()
        await self.wake.wait()

    def start(self, delivery: Delivery) -> None:
        job = _Job(delivery)
        self.jobs[delivery.id] = job
        self.waiting += 1
        job.task = asyncio.create_task(self.deliver(job))

    async def deliver(self, job: _Job) -> None:
        delivery = job.delivery
        sender = self.sender
        try:
            # A 429 is waited out and the same message sent again: a loop, never a recursion,
            # and the limiter's pause holds back every other send meanwhile.
            while True:
                await sender.limiter.acquire(delivery.chat_id)
                self.calling(job, True)
                try:
                    message_id = await sender.send(delivery)
                except RetryAfter as error:
                    self.calling(job, False)
                    sender.limiter.pause(error.seconds)
                    continue
                self.outcomes.sent.append((delivery.id, message_id))
                return
        except Blocked as error:
            self.outcomes.blocked.append(delivery.id)
            logger.info("delivery %s: blocked (%s)", delivery.id, error)
        except SendFailed as error:
            self.failed(delivery, error.reason, error.permanent)
        except Exception as error:
            # A fault of ours (composing the message, say) must not stop the whole run.
            logger.exception("delivery %s could not be sent", delivery.id)
            self.failed(delivery, f"{type(error).__name__}: {error}", False)
        finally:
            if self.jobs.pop(delivery.id, None) is not None and not job.calling:
                self.waiting -= 1
            self.wake.set()

    def calling(self, job: _Job, calling: bool) -> None:
        job.calling = calling
        self.waiting += -1 if calling else 1
        self.wake.set()

    def failed(self, delivery: Delivery, reason: str, permanent: bool) -> None:
        sender = self.sender
        if permanent or delivery.attempts >= sender.max_attempts:
            self.outcomes.failed.append((delivery.id, reason))
            return
        delay = sender.backoff[min(delivery.attempts, len(sender.backoff)) - 1]
        not_before = sender.clock() + timedelta(seconds=delay)
        self.outcomes.retries.append(Retry(delivery.id, delivery.attempts, not_before, reason))

    async def cycle(self, limit: int) -> tuple[list[Delivery], bool, bool, datetime | None]:
        """One short transaction: record the outcomes so far, read the run's state, claim
        the next batch. Returns what was claimed, whether the run is still sending, and
        whether queued deliveries are left (with the earliest time one is due; only looked
        up when nothing was claimed and no call is under way)."""
        result = await _whole(self.transaction(limit))
        await self.progress()
        return result

    async def transaction(self, limit: int) -> tuple[list[Delivery], bool, bool, datetime | None]:
        sender = self.sender
        outcomes, self.outcomes = self.outcomes, _Outcomes()
        now = sender.clock()
        claimed: list[Delivery] = []
        pending, due = True, None
        try:
            async with UnitOfWork(sender.sessionmaker) as uow:
                await record(uow, outcomes, now)
                running = await uow.deliveries.run_state(self.run_id) == RUN_SENDING
                if running:
                    claimed = await uow.deliveries.claim(
                        self.run_id, limit, now, self.sender.claimer
                    )
                    if not claimed and not self.jobs:
                        pending, due = await uow.deliveries.next_due(self.run_id)
                await uow.commit()
                # Ours now, and in doubt until their jobs start: handed back if `run` is
                # cancelled in between.
                self.unstarted = [_released(delivery, now) for delivery in claimed]
        except BaseException:
            # Rolled back: these outcomes are recorded with the next ones.
            self.outcomes.merge(outcomes)
            raise
        return claimed, running, pending, due

    async def progress(self) -> None:
        if self.on_progress is None:
            return
        started = time.monotonic()
        if started - self.progress_at < PROGRESS_SECONDS:
            return
        if self.progress_task is not None and not self.progress_task.done():
            return  # the previous report is still being shown: skip this one
        self.progress_at = started
        counts = await _whole(self.counts())
        # In the background: a slow progress message must not slow the sending.
        self.progress_task = asyncio.create_task(_report(self.on_progress, counts))

    def release_waiting(self) -> list[Retry]:
        """Cancel the jobs that wait for their slot: their message has certainly not gone, so
        their rows go back to the queue with their attempt given back."""
        now = self.sender.clock()
        released = []
        for job in list(self.jobs.values()):
            if not job.calling and job.task is not None:
                job.task.cancel()
                self.jobs.pop(job.delivery.id)
                self.waiting -= 1
                released.append(_released(job.delivery, now))
        return released

    async def stop(self) -> None:
        """Paused or cancelled by staff: hand back what has not started, let the calls under
        way end, and record it all."""
        released = self.release_waiting()
        tasks = [job.task for job in self.jobs.values() if job.task]
        if tasks:
            await asyncio.wait(tasks)
        outcomes, self.outcomes = self.outcomes, _Outcomes()
        outcomes.retries.extend(released)
        await _whole(self.record(outcomes))

    async def abandon(self) -> None:
        """`run` itself is cancelled (the process is stopping) or failed: the calls under way
        get a moment to end; those cut short stay `sending` (`recover` makes them `unknown`).
        What is known is recorded."""
        released = self.release_waiting() + self.unstarted
        calls = [job.task for job in self.jobs.values() if job.task]
        try:
            if calls:
                await asyncio.wait(calls, timeout=CANCEL_GRACE_SECONDS)
        except asyncio.CancelledError:
            pass  # cancelled again: no more grace, but still record what is known
        finally:
            for job in self.jobs.values():
                if job.task is not None:
                    job.task.cancel()
            if self.progress_task is not None:
                self.progress_task.cancel()
        outcomes, self.outcomes = self.outcomes, _Outcomes()
        outcomes.retries.extend(released)
        try:
            await _whole(self.record(outcomes))
        except Exception:
            logger.exception("the outcomes of an interrupted run could not be recorded")

    async def finish(self) -> dict[str, int]:
        if self.progress_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.progress_task
        return await _whole(self.counts())

    async def counts(self) -> dict[str, int]:
        async with UnitOfWork(self.sender.sessionmaker) as uow:
            return await uow.deliveries.counts(self.run_id)

    async def record(self, outcomes: _Outcomes) -> None:
        async with UnitOfWork(self.sender.sessionmaker) as uow:
            await record(uow, outcomes, self.sender.clock())
            await uow.commit()


async def record(uow: UnitOfWork, outcomes: _Outcomes, now: datetime) -> None:
    if not outcomes:
        return
    await uow.deliveries.mark_sent(outcomes.sent, now)
    await uow.deliveries.mark_blocked(outcomes.blocked, now, "blocked")
    await uow.deliveries.retry_later(outcomes.retries, now)
    await uow.deliveries.mark_failed(outcomes.failed, now)


async def _whole(transaction: Awaitable[T]) -> T:
    """Run a transaction to its end even if the caller is cancelled meanwhile; the
    cancellation goes on right after. Cut short, it would leave SQLite's one connection
    holding its write lock, and what it recorded and claimed unknown."""
    task = asyncio.ensure_future(transaction)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        if not task.done():
            with contextlib.suppress(Exception):
                await task
        raise


def _released(delivery: Delivery, now: datetime) -> Retry:
    """Back to the queue, due at once, its attempt given back: the call never started."""
    return Retry(delivery.id, delivery.attempts, now, "", refund=True)


async def _report(on_progress: Progress, counts: dict[str, int]) -> None:
    try:
        await on_progress(counts)
    except Exception:
        logger.exception("the progress of a run could not be shown")
