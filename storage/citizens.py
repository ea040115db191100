"""Citizens: Telegram accounts that consented to the privacy notice."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables import CitizenRow


class Citizens:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_telegram_id(self, telegram_id: int) -> CitizenRow | None:
        return await self.session.scalar(
            select(CitizenRow).where(CitizenRow.telegram_id == telegram_id)
        )

    async def consent(
        self, telegram_id: int, language: str, source: str | None, now: datetime
    ) -> CitizenRow:
        """Record the consent; a second consent (a double tap) changes nothing."""
        citizen = await self.by_telegram_id(telegram_id)
        if citizen is None:
            citizen = CitizenRow(
                telegram_id=telegram_id, language=language, source=source, consented_at=now
            )
            self.session.add(citizen)
            await self.session.flush()
        return citizen

    async def by_telegram_ids(self, telegram_ids: list[int]) -> dict[int, CitizenRow]:
        if not telegram_ids:
            return {}
        rows = await self.session.scalars(
            select(CitizenRow).where(CitizenRow.telegram_id.in_(telegram_ids))
        )
        return {row.telegram_id: row for row in rows}
