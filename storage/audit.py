"""The audit log every staff action is written to, as a hash chain (budget/audit_chain.py).

Entries are appended one at a time across processes, so that the chain never forks: on
PostgreSQL an advisory lock, taken before the head is read and held until the unit of work
commits or rolls back, puts appenders in a queue; SQLite lets one writer at a time anyway (and
this bot's engine one unit of work at a time per process). On both, the sequence number is
unique, so two entries can never claim the same place."""

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, TypeDecorator, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from budget.audit_chain import GENESIS, Entry, Head, Link, Verdict, Walk
from storage.tables import AuditRow

# pg_advisory_xact_lock's key for appending to the audit log: negative, as chats lock their
# own (positive) ids in the same space (see storage.migrate.MIGRATION_LOCK).
APPEND_LOCK = -2
READ_BATCH = 1000


class Audit:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self,
        actor: int,
        action: str,
        subject: str,
        now: datetime,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        """Who did what to what, when, and the values it changed; chained to the last entry."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(select(func.pg_advisory_xact_lock(APPEND_LOCK)))
        head = await self.head()
        stored = self._as_stored(action=action, subject=subject, before=before, after=after, at=now)
        entry = Entry(sequence=head.count + 1, actor=actor, **stored)
        self.session.add(
            AuditRow(
                sequence=entry.sequence,
                actor=actor,
                previous_hash=head.hash,
                hash=entry.seal(head.hash),
                **stored,
            )
        )
        await self.session.flush()

    def _as_stored(self, **values: Any) -> dict[str, Any]:
        """The values as the columns store them (texts cleaned and cut to their length, times
        in UTC), so that the hash is the one of what is read back."""
        dialect = self.session.get_bind().dialect
        columns = AuditRow.__table__.c
        return {
            name: column_type.process_bind_param(value, dialect)
            if isinstance(column_type := columns[name].type, TypeDecorator)
            else value
            for name, value in values.items()
        }

    async def head(self) -> Head:
        """The number of entries and the last one's hash (zeros for an empty log)."""
        last = (
            await self.session.execute(
                select(AuditRow.sequence, AuditRow.hash).order_by(AuditRow.sequence.desc()).limit(1)
            )
        ).first()
        return Head(0, GENESIS) if last is None else Head(last.sequence, last.hash)

    async def verify(self, noted: str | None = None) -> Verdict:
        """Walk the chain from its first entry; `noted` is a head's hash noted earlier, which
        the chain must still pass through."""
        walk = Walk(noted)
        query = select(
            AuditRow.sequence,
            AuditRow.actor,
            AuditRow.action,
            AuditRow.subject,
            AuditRow.before,
            AuditRow.after,
            AuditRow.at,
            AuditRow.previous_hash,
            AuditRow.hash,
        ).order_by(AuditRow.sequence)
        rows = await self.session.stream(query.execution_options(yield_per=READ_BATCH))
        async for row in rows:
            entry = Entry(
                row.sequence, row.actor, row.action, row.subject, row.before, row.after, row.at
            )
            if not walk.step(Link(entry, row.previous_hash, row.hash)):
                break
        await rows.close()
        return walk.verdict()

    async def entries(
        self,
        staff: int | None = None,
        action: str | None = None,
        idea: int | None = None,
        limit: int = 50,
    ) -> list[Entry]:
        """The last `limit` entries, oldest first: by one staff member, with an action whose
        name contains `action` ("publish": idea_published, suggestion_published), about one
        idea (merges and comparisons that involve it included)."""
        conditions: list[ColumnElement[bool]] = []
        if staff is not None:
            conditions.append(AuditRow.actor == staff)
        if action:
            conditions.append(AuditRow.action.contains(action, autoescape=True))
        if idea is not None:
            conditions.append(
                or_(
                    AuditRow.subject == f"idea:{idea}",
                    AuditRow.subject.like(f"ideas:{idea}+%"),
                    AuditRow.subject.like(f"ideas:%+{idea}"),
                )
            )
        rows = await self.session.scalars(
            select(AuditRow).where(*conditions).order_by(AuditRow.sequence.desc()).limit(limit)
        )
        return [
            Entry(row.sequence, row.actor, row.action, row.subject, row.before, row.after, row.at)
            for row in reversed(list(rows))
        ]

    async def of(self, subject: str) -> list[AuditRow]:
        rows = await self.session.scalars(
            select(AuditRow).where(AuditRow.subject == subject).order_by(AuditRow.sequence)
        )
        return list(rows)

    async def by_action(self, action: str) -> list[AuditRow]:
        rows = await self.session.scalars(
            select(AuditRow).where(AuditRow.action == action).order_by(AuditRow.sequence)
        )
        return list(rows)
