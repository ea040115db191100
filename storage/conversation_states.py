"""Where each chat stands in a conversation, kept in the database so a restart loses nothing."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables import ConversationStateRow


class ConversationStates:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, key: str) -> tuple[str | None, dict[str, Any]]:
        row = await self.session.get(ConversationStateRow, key)
        if row is None:
            return None, {}
        return row.state, dict(row.data)

    async def set_state(self, key: str, state: str | None) -> None:
        row = await self.session.get(ConversationStateRow, key)
        if row is None:
            if state is not None:
                self.session.add(
                    ConversationStateRow(key=key, state=state, data={}, updated_at=_now())
                )
            return
        row.state, row.updated_at = state, _now()
        await self._forget_if_empty(row)

    async def set_data(self, key: str, data: dict[str, Any]) -> None:
        row = await self.session.get(ConversationStateRow, key)
        if row is None:
            if data:
                self.session.add(
                    ConversationStateRow(key=key, state=None, data=data, updated_at=_now())
                )
            return
        row.data, row.updated_at = data, _now()
        await self._forget_if_empty(row)

    async def _forget_if_empty(self, row: ConversationStateRow) -> None:
        if row.state is None and not row.data:
            await self.session.delete(row)

    async def clear_all(self) -> None:
        await self.session.execute(delete(ConversationStateRow))


def _now() -> datetime:
    return datetime.now(UTC)
