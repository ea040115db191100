"""The deliveries of a campaign run: one row per run and citizen, claimed in small batches and
marked with what Telegram answered. The states, in one place:

    queued   waiting to be sent (at `not_before` at the earliest, after a failed attempt)
    sending  claimed by a sender and committed before its call: the call is under way
    sent     Telegram accepted it (its message id is kept)
    blocked  the citizen blocked the bot (403) or the chat is gone; never retried
    failed   refused for good, or still failing after the last attempt
    unknown  its sender died during the call: Telegram may or may not have delivered it,
             so it is never sent again (a citizen gets a run at most once)
    skipped  never sent: by the time its turn came, the citizen had stopped reminders (and
             it is not a results announcement they asked for) or blocked the bot

Several processes may share a run on PostgreSQL: a claim locks the rows it takes and skips the
ones another transaction holds (`FOR UPDATE SKIP LOCKED`), so no row is claimed twice. On
SQLite the claim is one UPDATE statement, atomic under SQLite's single writer."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import cast

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    bindparam,
    func,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.liveness import dead
from storage.tables import CampaignRow, CampaignRunRow, CitizenRow, DeliveryRow

# The longest error text the table keeps.
ERROR_LENGTH = 300


class DeliveryState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"
    UNKNOWN = "unknown"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Delivery:
    """A claimed delivery; `attempts` counts this one."""

    id: int
    run_id: int
    citizen_id: int
    chat_id: int
    language: str
    attempts: int


@dataclass(frozen=True)
class Retry:
    """A claimed delivery (`attempts` as its claim left it) to try again at `not_before`.
    `refund` gives its attempt back: the call never started."""

    id: int
    attempts: int
    not_before: datetime
    error: str
    refund: bool = False


_DELIVERY_COLUMNS = (
    DeliveryRow.id,
    DeliveryRow.run_id,
    DeliveryRow.citizen_id,
    DeliveryRow.chat_id,
    DeliveryRow.language,
    DeliveryRow.attempts,
)

_table = cast(Table, DeliveryRow.__table__)
# An outcome is written only over the claim it answers. A sent, blocked or failed one also over
# `unknown` (the truth, learnt late, beats the doubt); a retry never is: a row that `recover`
# gave up on is never queued again.
_HELD = or_(_table.c.state == DeliveryState.SENDING, _table.c.state == DeliveryState.UNKNOWN)


def _error(text: str) -> str:
    return text if len(text) <= ERROR_LENGTH else text[: ERROR_LENGTH - 1] + "…"


class Deliveries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(
        self, run_id: int, limit: int, now: datetime, claimed_by: int | None = None
    ) -> list[Delivery]:
        """Take up to `limit` queued deliveries that are due, oldest first, and mark them
        sending (by the process of liveness key `claimed_by`). The caller commits before
        making the calls."""
        if limit < 1:
            return []
        postgresql = self.session.get_bind().dialect.name == "postgresql"

        def due(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
            query = (
                select(DeliveryRow.id)
                .where(
                    DeliveryRow.run_id == run_id,
                    DeliveryRow.state == DeliveryState.QUEUED,
                    or_(DeliveryRow.not_before.is_(None), DeliveryRow.not_before <= now),
                    *conditions,
                )
                .order_by(DeliveryRow.id)
                .limit(limit)
            )
            if postgresql:
                query = query.with_for_update(skip_locked=True)
            return DeliveryRow.id.in_(query.scalar_subquery())

        # The audience was chosen when the run started; a citizen who sent /stop or blocked
        # the bot since must not get what was queued for them. Only the rows about to be
        # claimed are looked at, so that a large run is not scanned at every claim.
        gone = DeliveryRow.citizen_id.in_(select(CitizenRow.id).where(await self._gone(run_id)))
        await self.session.execute(
            update(DeliveryRow)
            .where(due(), gone, DeliveryRow.state == DeliveryState.QUEUED)
            .values(
                state=DeliveryState.SKIPPED,
                updated_at=now,
                error="reminders stopped or the bot blocked before it was sent",
            )
            .execution_options(synchronize_session=False)
        )
        rows = await self.session.execute(
            update(DeliveryRow)
            .where(due(~gone))
            .values(
                state=DeliveryState.SENDING,
                updated_at=now,
                attempts=DeliveryRow.attempts + 1,
                not_before=None,
                claimed_by=claimed_by,
            )
            .returning(*_DELIVERY_COLUMNS)
            .execution_options(synchronize_session=False)
        )
        return sorted((Delivery(*row) for row in rows), key=lambda delivery: delivery.id)

    async def _gone(self, run_id: int) -> ColumnElement[bool]:
        """Which citizens the run may no longer reach (as `broadcast.audiences` chooses)."""
        campaign = (
            await self.session.execute(
                select(CampaignRow.results_announcement, CampaignRow.audience)
                .join(CampaignRunRow, CampaignRunRow.campaign_id == CampaignRow.id)
                .where(CampaignRunRow.id == run_id)
            )
        ).first()
        results = bool(campaign and campaign[0])
        gone: ColumnElement[bool] = CitizenRow.unreachable_at.is_not(None)
        audience = dict(campaign[1]) if campaign else {}
        if audience.get("kind") == "followers" and audience.get("value"):
            # Following a project is asked for, and stopped, on its own button, not by /stop.
            return gone
        stopped: ColumnElement[bool] = CitizenRow.reminders_stopped_at.is_not(None)
        if results:
            stopped = and_(stopped, not_(CitizenRow.wants_results))
        return or_(gone, stopped)

    async def mark_sent(self, sent: Sequence[tuple[int, int]], now: datetime) -> None:
        """(delivery id, Telegram's message id) pairs."""
        if not sent:
            return
        await self.session.execute(
            update(_table)
            .where(_table.c.id == bindparam("delivery_id"), _HELD)
            .values(
                state=DeliveryState.SENT,
                message_id=bindparam("sent_message_id"),
                updated_at=now,
                error=None,
            ),
            [
                {"delivery_id": delivery_id, "sent_message_id": message_id}
                for delivery_id, message_id in sent
            ],
        )

    async def mark_blocked(self, ids: Sequence[int], now: datetime, error: str = "") -> None:
        """The citizens blocked the bot: their deliveries end here, and no campaign targets
        them again (`citizens.unreachable_at`)."""
        if not ids:
            return
        await self.session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id.in_(ids), _HELD)
            .values(state=DeliveryState.BLOCKED, updated_at=now, error=_error(error) or None)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(
            update(CitizenRow)
            .where(
                CitizenRow.id.in_(select(DeliveryRow.citizen_id).where(DeliveryRow.id.in_(ids))),
                CitizenRow.unreachable_at.is_(None),
            )
            .values(unreachable_at=now)
            .execution_options(synchronize_session=False)
        )

    async def retry_later(self, retries: Sequence[Retry], now: datetime) -> None:
        """Back to the queue, not before each one's time. Only a row still held by the claim
        it answers is touched (same state, same attempts): recording a retry twice, or late,
        never requeues a row that was sent or that another sender claimed since."""
        if not retries:
            return
        await self.session.execute(
            update(_table)
            .where(
                _table.c.id == bindparam("delivery_id"),
                _table.c.state == DeliveryState.SENDING,
                _table.c.attempts == bindparam("claimed_attempts"),
            )
            .values(
                state=DeliveryState.QUEUED,
                not_before=bindparam("retry_at", type_=_table.c.not_before.type),
                error=bindparam("retry_error"),
                attempts=_table.c.attempts - bindparam("refund"),
                updated_at=now,
            ),
            [
                {
                    "delivery_id": retry.id,
                    "claimed_attempts": retry.attempts,
                    "retry_at": retry.not_before,
                    "retry_error": _error(retry.error) if retry.error else None,
                    "refund": int(retry.refund),
                }
                for retry in retries
            ],
        )

    async def mark_failed(self, failed: Sequence[tuple[int, str]], now: datetime) -> None:
        """(delivery id, error) pairs: refused for good, or out of attempts."""
        if not failed:
            return
        await self.session.execute(
            update(_table)
            .where(_table.c.id == bindparam("delivery_id"), _HELD)
            .values(state=DeliveryState.FAILED, error=bindparam("failed_error"), updated_at=now),
            [
                {"delivery_id": delivery_id, "failed_error": _error(error)}
                for delivery_id, error in failed
            ],
        )

    async def recover(
        self,
        stale_before: datetime,
        *,
        now: datetime | None = None,
        dead_claimers: bool = False,
    ) -> int:
        """Deliveries left sending by a process that died: whether Telegram delivered them
        cannot be known, so they become unknown and are never sent again. Those left since
        before `stale_before`; with `dead_claimers` (PostgreSQL), also those whose claiming
        process holds its liveness lock no more, however recent. Returns how many."""
        values: dict[str, object] = {
            "state": DeliveryState.UNKNOWN,
            "error": "the sending process stopped during the call",
        }
        if now is not None:
            values["updated_at"] = now
        # Only the runs under way are looked at: a national campaign's table is large.
        running = select(CampaignRunRow.id).where(CampaignRunRow.state.in_(("sending", "paused")))
        abandoned = DeliveryRow.updated_at < stale_before
        if dead_claimers:
            claimers = await self.session.scalars(
                select(DeliveryRow.claimed_by)
                .where(
                    DeliveryRow.run_id.in_(running),
                    DeliveryRow.state == DeliveryState.SENDING,
                    DeliveryRow.claimed_by.is_not(None),
                )
                .distinct()
            )
            gone = await dead(self.session, {int(key) for key in claimers if key is not None})
            if gone:
                abandoned = or_(abandoned, DeliveryRow.claimed_by.in_(gone))
        result = await self.session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.state == DeliveryState.SENDING, abandoned)
            .values(values)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def counts(self, run_id: int) -> dict[str, int]:
        """How many deliveries of the run are in each state (every state is a key)."""
        rows = await self.session.execute(
            select(DeliveryRow.state, func.count())
            .where(DeliveryRow.run_id == run_id)
            .group_by(DeliveryRow.state)
        )
        counts = dict.fromkeys(DeliveryState, 0)
        for state, count in rows:
            counts[DeliveryState(state)] = int(count)
        return {str(state): count for state, count in counts.items()}

    async def next_due(self, run_id: int) -> tuple[bool, datetime | None]:
        """Whether the run has queued deliveries left, and when the earliest one that waits
        for its time is due (None when one is due now or none waits)."""
        row = (
            await self.session.execute(
                select(
                    func.count(),
                    func.count(DeliveryRow.not_before),
                    func.min(DeliveryRow.not_before),
                ).where(
                    DeliveryRow.run_id == run_id,
                    DeliveryRow.state == DeliveryState.QUEUED,
                )
            )
        ).one()
        queued, waiting, earliest = int(row[0]), int(row[1]), row[2]
        if queued == 0:
            return False, None
        return True, earliest if waiting == queued else None

    async def run_state(self, run_id: int) -> str | None:
        """The run's state (sending, paused, cancelled, done), None if there is no such run."""
        return await self.session.scalar(
            select(CampaignRunRow.state)
            .where(CampaignRunRow.id == run_id)
            .execution_options(populate_existing=True)
        )
