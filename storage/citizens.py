"""Citizens: Telegram accounts that consented to the privacy notice."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialects import dialect_insert
from storage.tables import CitizenRow


@dataclass(frozen=True)
class Citizen:
    id: int
    telegram_id: int
    language: str
    source: str | None


def _citizen(row: CitizenRow) -> Citizen:
    return Citizen(row.id, row.telegram_id, row.language, row.source)


class Citizens:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_telegram_id(self, telegram_id: int) -> Citizen | None:
        row = await self.session.scalar(
            select(CitizenRow).where(CitizenRow.telegram_id == telegram_id)
        )
        return _citizen(row) if row else None

    async def by_telegram_ids(self, telegram_ids: list[int]) -> dict[int, Citizen]:
        if not telegram_ids:
            return {}
        rows = await self.session.scalars(
            select(CitizenRow).where(CitizenRow.telegram_id.in_(telegram_ids))
        )
        return {row.telegram_id: _citizen(row) for row in rows}

    async def consent(
        self, telegram_id: int, language: str, source: str | None, now: datetime
    ) -> Citizen:
        """Record the consent; a second consent (a double tap, the same tap handled by
        another process at the same moment) changes nothing."""
        insert = dialect_insert(self.session, CitizenRow).values(
            telegram_id=telegram_id, language=language, source=source, consented_at=now
        )
        inserted = await self.session.scalar(
            insert.on_conflict_do_nothing(index_elements=["telegram_id"]).returning(CitizenRow.id)
        )
        if inserted is not None:
            return Citizen(inserted, telegram_id, language, source)
        citizen = await self.by_telegram_id(telegram_id)
        assert citizen is not None, "consented before, or by another process meanwhile"
        return citizen

    async def set_language(self, citizen: Citizen, language: str) -> Citizen:
        await self.session.execute(
            update(CitizenRow).where(CitizenRow.id == citizen.id).values(language=language)
        )
        return Citizen(citizen.id, citizen.telegram_id, language, citizen.source)

    async def set_reminders(self, citizen_id: int, on: bool, now: datetime) -> None:
        """Stop campaign reminders (/stop) or have them again."""
        await self.session.execute(
            update(CitizenRow)
            .where(CitizenRow.id == citizen_id)
            .values(reminders_stopped_at=None if on else now)
        )

    async def reminders_stopped(self, citizen_id: int) -> bool:
        stopped = await self.session.scalar(
            select(CitizenRow.reminders_stopped_at).where(CitizenRow.id == citizen_id)
        )
        return stopped is not None

    async def want_results(self, citizen_id: int) -> None:
        """Asked, when voting, to be told the results (even with reminders stopped)."""
        await self.session.execute(
            update(CitizenRow).where(CitizenRow.id == citizen_id).values(wants_results=True)
        )
