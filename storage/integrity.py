"""What the integrity alarms read and raise (budget/integrity.py): counts per bucket of time,
the numbers each account tried, and the alarms raised, told and looked at.

Nothing here names a voter or a ballot: a count is a sum per item and bucket, an account and
a block of numbers are keyed fingerprints (the key outside the database, storage.sealing),
a number tried is a tag too short to name it."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from budget.eligibility import phone_digits
from budget.integrity import EPOCH, Alarm, AlarmKind, Count, Tally
from storage.constraints import is_violation
from storage.dialects import dialect_insert
from storage.sealing import Sealer
from storage.tables import CitizenRow, IntegrityAlarmRow, IntegrityCountRow, IntegrityNumberRow

# Hex digits kept of each fingerprint: 128 bits for an account (no two alike), 64 for a block
# (as many blocks as a country has numbers / 100), 16 bits for a number tried, which thousands
# of numbers share.
ACCOUNT_DIGITS, BLOCK_DIGITS, TAG_DIGITS = 32, 16, 4


async def add_counts(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Add what units of work counted (`Integrity.take`) to the sums kept."""
    if not rows:
        return
    insert = dialect_insert(session, IntegrityCountRow)
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=["edition_id", "tally", "item", "bucket"],
            set_={"n": IntegrityCountRow.n + insert.excluded.n},
        ),
        rows,
    )


@dataclass(frozen=True)
class StoredAlarm:
    id: int
    alarm: Alarm
    acked_at: datetime | None
    acked_by: int | None


class Integrity:
    def __init__(self, session: AsyncSession, sealer: Sealer | None = None) -> None:
        self.session = session
        self.sealer = sealer
        self.pending: dict[tuple[int, str, str, datetime], int] = {}

    # -- fingerprints ----------------------------------------------------------------------

    def _fingerprint(self, purpose: str, value: str, digits: int) -> str:
        if self.sealer is None:
            raise LookupError("the integrity fingerprints need the key (SECRET_KEY_FILE)")
        return self.sealer.fingerprint(purpose, value).hex()[:digits]

    def account(self, telegram_id: int) -> str:
        """An account as the alarms name it: the same each time, no Telegram id without the key."""
        return self._fingerprint("integrity-account", str(telegram_id), ACCOUNT_DIGITS)

    def block(self, phone: str) -> str:
        """The block of 100 consecutive numbers `phone` is in (its last two digits left out)."""
        return self._fingerprint("integrity-block", phone_digits(phone)[:-2], BLOCK_DIGITS)

    def tag(self, phone: str) -> str:
        return self._fingerprint("integrity-number", phone_digits(phone), TAG_DIGITS)

    # -- recording -------------------------------------------------------------------------

    async def add(self, edition_id: int, counts: list[Count]) -> None:
        """Add the counts to the sums kept, written when the unit of work of what they count
        commits: many voters add to the same sums, and a sum's row stays locked from its
        write to the commit, so the write comes last."""
        for count in counts:
            key = (
                edition_id,
                count.tally.value,
                count.key,
                EPOCH if count.bucket is None else count.bucket,
            )
            self.pending[key] = self.pending.get(key, 0) + count.n

    def take(self) -> list[dict[str, Any]]:
        """The sums to add, in one order for every unit of work: two that add to the same
        rows lock them in the same order, and neither waits for the other in a circle."""
        pending, self.pending = self.pending, {}
        return [
            {"edition_id": edition_id, "tally": tally, "item": item, "bucket": bucket, "n": n}
            for (edition_id, tally, item, bucket), n in sorted(pending.items())
        ]

    async def tried(self, edition_id: int, account: str, tag: str) -> bool:
        """Note that this account tried this number; False if it had already."""
        insert = dialect_insert(self.session, IntegrityNumberRow).values(
            edition_id=edition_id, account=account, tag=tag
        )
        result = await self.session.execute(insert.on_conflict_do_nothing())
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def consented_at(self, citizen_id: int) -> datetime | None:
        return await self.session.scalar(
            select(CitizenRow.consented_at).where(CitizenRow.id == citizen_id)
        )

    # -- reading ---------------------------------------------------------------------------

    async def counts(
        self, edition_id: int, since: dict[Tally, datetime | None], account_min_numbers: int
    ) -> list[Count]:
        """The counts `IntegrityWatch.check` reads (`since`: its `reads_since`); accounts
        with fewer numbers than `account_min_numbers` are left out, as they raise nothing."""
        counts: list[Count] = []
        table = IntegrityCountRow
        for tally, oldest in since.items():
            query = select(table.item, table.bucket, table.n).where(
                table.edition_id == edition_id, table.tally == tally.value
            )
            if oldest is not None:
                query = query.where(table.bucket >= oldest)
            if tally is Tally.NUMBERS_BY_ACCOUNT:
                many = (
                    select(table.item)
                    .where(table.edition_id == edition_id, table.tally == tally.value)
                    .group_by(table.item)
                    .having(func.sum(table.n) >= account_min_numbers)
                )
                query = query.where(table.item.in_(many))
            untimed = tally is Tally.NEW_SINGLE_PROJECT
            counts += [
                Count(tally, item, None if untimed else bucket, n)
                for item, bucket, n in await self.session.execute(query)
            ]
        return counts

    async def alarms(self, edition_id: int) -> list[StoredAlarm]:
        rows = await self.session.scalars(
            select(IntegrityAlarmRow)
            .where(IntegrityAlarmRow.edition_id == edition_id)
            .order_by(IntegrityAlarmRow.id)
        )
        return [_stored(row) for row in rows]

    async def alarm(self, alarm_id: int) -> StoredAlarm | None:
        row = await self.session.get(IntegrityAlarmRow, alarm_id, populate_existing=True)
        return _stored(row) if row else None

    # -- alarms ----------------------------------------------------------------------------

    async def keep(self, edition_id: int, alarm: Alarm) -> int | None:
        """Write an alarm a check raised or changed; return its id if it is new (to be told to
        the admins: only the process whose insert wins tells it), None if it was known."""
        values = {
            "window_start": alarm.start,
            "window_end": alarm.end,
            "observed": alarm.observed,
            "expected": alarm.expected,
            "total": alarm.total,
            "last_seen": alarm.last_seen,
        }
        known = await self.session.execute(
            update(IntegrityAlarmRow)
            .where(
                IntegrityAlarmRow.edition_id == edition_id,
                IntegrityAlarmRow.identity == alarm.identity,
            )
            .values(**values)
        )
        if known.rowcount:  # type: ignore[attr-defined]
            return None
        row = IntegrityAlarmRow(
            edition_id=edition_id,
            identity=alarm.identity,
            kind=alarm.kind.value,
            item=alarm.key,
            first_seen=alarm.first_seen,
            **values,
        )
        try:
            async with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError as error:
            if not is_violation(error, "uq_integrity_alarms_edition_identity"):
                raise
            return None
        return row.id

    async def acknowledge(self, alarm_id: int, by: int, now: datetime) -> bool:
        """Mark an alarm as looked at; False if it was already (or does not exist)."""
        result = await self.session.execute(
            update(IntegrityAlarmRow)
            .where(IntegrityAlarmRow.id == alarm_id, IntegrityAlarmRow.acked_at.is_(None))
            .values(acked_at=now, acked_by=by)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def _stored(row: IntegrityAlarmRow) -> StoredAlarm:
    alarm = Alarm(
        kind=AlarmKind(row.kind),
        key=row.item,
        start=row.window_start,
        end=row.window_end,
        observed=row.observed,
        expected=row.expected,
        total=row.total,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        identity=row.identity,
    )
    return StoredAlarm(row.id, alarm, row.acked_at, row.acked_by)
