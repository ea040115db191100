"""Leases: a job that only one process may do at a time (the weekly schedule) is done by the
holder of an unexpired lease, renewed as it goes; if the holder dies, another takes over once
the lease expires."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.constraints import is_violation
from storage.tables import LeaseRow


class Leases:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def take(self, name: str, holder: str, now: datetime, seconds: float) -> bool:
        """Take or renew the lease; False while another holder's is unexpired. One UPDATE with
        its condition, so two processes cannot both win."""
        expires = now + timedelta(seconds=seconds)
        result = await self.session.execute(
            update(LeaseRow)
            .where(
                LeaseRow.name == name,
                or_(LeaseRow.holder == holder, LeaseRow.expires_at < now),
            )
            .values(holder=holder, expires_at=expires)
        )
        if result.rowcount:  # type: ignore[attr-defined]
            return True
        exists = await self.session.scalar(select(LeaseRow.name).where(LeaseRow.name == name))
        if exists is not None:
            return False
        try:
            async with self.session.begin_nested():
                self.session.add(LeaseRow(name=name, holder=holder, expires_at=expires))
        except IntegrityError as error:
            if not is_violation(error, "pk_leases"):
                raise
            return False
        return True

    async def release(self, name: str, holder: str) -> None:
        await self.session.execute(
            update(LeaseRow)
            .where(LeaseRow.name == name, LeaseRow.holder == holder)
            .values(expires_at=datetime(2000, 1, 1, tzinfo=UTC))
        )
