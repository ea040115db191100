"""Telegram's updates whose work is committed: a second delivery of one is recognised, never
applied twice, and its answer can be sent again."""

import json
from datetime import UTC, datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Insert, Table, delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.sealing import Sealer, Unsealable
from storage.session_writes import keep_transaction
from storage.tables import ProcessedUpdateRow


@cache
def insert_processed() -> Insert:
    return cast(Table, ProcessedUpdateRow.__table__).insert()


REPLIES = "replies"


def seal_replies(sealer: Sealer | None, bot_id: int, update_id: int, replies: str) -> str | None:
    """The recorded answer shows what a citizen was shown (their receipt, their envelope):
    sealed with the key, or not recorded at all without one."""
    if sealer is None:
        return None
    return sealer.seal(REPLIES, replies.encode(), f"{bot_id}:{update_id}")


class ProcessedUpdates:
    def __init__(self, session: AsyncSession, sealer: Sealer | None = None) -> None:
        self.session = session
        self.sealer = sealer

    async def replies_of(self, bot_id: int, update_id: int) -> list[dict[str, Any]] | None:
        """The answer recorded for an update handled before, or None if it was not."""
        row = (
            await self.session.execute(
                select(ProcessedUpdateRow.replies).where(
                    ProcessedUpdateRow.bot_id == bot_id,
                    ProcessedUpdateRow.update_id == update_id,
                )
            )
        ).first()
        if row is None:
            return None
        if not row.replies or self.sealer is None:
            return []
        try:
            opened = self.sealer.unseal(REPLIES, row.replies, f"{bot_id}:{update_id}")
        except Unsealable:
            return []
        return list(json.loads(opened))

    async def record(self, rows: list[dict[str, Any]]) -> None:
        """Written with the update's work, in the same transaction: a second unit of work
        recording the same update fails at commit on the primary key."""
        now = datetime.now(UTC)
        await self.session.execute(
            insert_processed(), [{**row, "processed_at": now} for row in rows]
        )

    async def forget_before(self, moment: datetime) -> int:
        """Telegram re-delivers an update for a day at most: older records serve no more."""
        result = await self.session.execute(
            delete(ProcessedUpdateRow).where(ProcessedUpdateRow.processed_at < moment)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


async def claim_chat(session: AsyncSession, chat_id: int, bot_id: int, update_id: int) -> bool:
    """On PostgreSQL, begin the update's transaction by taking its chat's lock, held until the
    transaction ends, so that one chat's updates are handled one at a time across processes;
    and say, in the same round trip, whether the update was handled before."""
    handled = await session.scalar(
        text(
            "SELECT pg_advisory_xact_lock(:chat) IS NOT NULL AND EXISTS ("
            "SELECT 1 FROM processed_updates WHERE bot_id = :bot AND update_id = :update)"
        ),
        {"chat": chat_id, "bot": bot_id, "update": update_id},
    )
    # The lock lasts as long as this transaction: the update commits in it, never by group
    # commit's, which would end it before the update's writes are in.
    keep_transaction(session)
    return bool(handled)
