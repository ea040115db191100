"""What the audiences of campaigns are made of: who can be reached, who voted, who registered
in which district, where each chat stands in a conversation."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tables import (
    CitizenRow,
    ConversationStateRow,
    FollowUpRow,
    IdeaRow,
    VoterRow,
)


@dataclass(frozen=True)
class Reachable:
    citizen_id: int
    telegram_id: int
    language: str
    stopped: bool
    wants_results: bool


class Audiences:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def reachable(self) -> list[Reachable]:
        """Every citizen who consented and has not blocked the bot."""
        rows = await self.session.execute(
            select(
                CitizenRow.id,
                CitizenRow.telegram_id,
                CitizenRow.language,
                CitizenRow.reminders_stopped_at,
                CitizenRow.wants_results,
            )
            .where(CitizenRow.unreachable_at.is_(None))
            .order_by(CitizenRow.id)
        )
        return [
            Reachable(row.id, row.telegram_id, row.language, row[3] is not None, row[4])
            for row in rows
        ]

    async def districts(self, edition_id: int) -> dict[int, str | None]:
        """The district each registered voter chose (citizen id -> district)."""
        rows = await self.session.execute(
            select(VoterRow.citizen_id, VoterRow.district).where(VoterRow.edition_id == edition_id)
        )
        # Paper ballots (no citizen) have nobody to write to.
        return {row.citizen_id: row.district for row in rows if row.citizen_id is not None}

    async def voted(self, edition_id: int) -> set[int]:
        """The citizens who cast a ballot (not what they chose: it is sealed), until the
        ballots are published; after that, nobody can tell any more."""
        rows = await self.session.scalars(
            select(VoterRow.citizen_id).where(
                VoterRow.edition_id == edition_id, VoterRow.sealed_ballot.is_not(None)
            )
        )
        return {citizen_id for citizen_id in rows if citizen_id is not None}

    async def conversation_states(self, key_suffix: str) -> list[tuple[str, str | None, Any]]:
        """The stored conversation states whose key ends with `key_suffix` (their destiny)."""
        rows = await self.session.execute(
            select(
                ConversationStateRow.key, ConversationStateRow.state, ConversationStateRow.data
            ).where(ConversationStateRow.key.endswith(key_suffix))
        )
        return [(row.key, row.state, row.data) for row in rows]

    async def awaiting_follow_up(self, edition_id: int, now: datetime) -> set[int]:
        """The authors (citizen ids) of the edition's ideas with a follow-up questionnaire not
        answered whose deadline is still to come."""
        rows = await self.session.scalars(
            select(IdeaRow.citizen_id)
            .join(FollowUpRow, FollowUpRow.idea_id == IdeaRow.id)
            .where(
                IdeaRow.edition_id == edition_id,
                FollowUpRow.answered_at.is_(None),
                FollowUpRow.deadline > now,
            )
            .distinct()
        )
        return set(rows)

    async def reachable_again(self, citizen_id: int) -> None:
        """The citizen wrote to the bot, so they no longer block it (a 403 had marked them)."""
        await self.session.execute(
            update(CitizenRow)
            .where(CitizenRow.id == citizen_id, CitizenRow.unreachable_at.is_not(None))
            .values(unreachable_at=None)
            .execution_options(synchronize_session=False)
        )
