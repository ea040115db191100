"""Moderation of ideas and suggestions: publish, ask for changes, reject.

Each decision is one conditional UPDATE (`... WHERE status = 'submitted'`): when two
moderators press at once, or one presses twice, exactly one of them changes the row and the
others learn it was already done."""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from budget.ideas import IdeaStatus
from storage.tables import CitizenRow, IdeaRow, SuggestionRow

# Ideas and suggestions alike wait for moderation as "submitted".
WAITING = IdeaStatus.SUBMITTED.value


def fingerprint(row: IdeaRow) -> str:
    """A short name for what the author gave, carried by the card's buttons: a decision is
    taken on the version the moderator saw, never on one the author sent since. Six hex
    digits keep the buttons within Telegram's 64 bytes; a collision needs an author changing
    their idea during the very minutes a moderator reads it, and then 1 in 16 million."""
    content = [
        row.author_kind,
        row.organisation,
        row.title,
        row.description,
        row.objectives,
        row.beneficiaries,
        row.theme,
        row.implementation,
        row.address,
        row.latitude,
        row.longitude,
        row.district,
        row.budget_cents,
        row.image_file_id,
        [(a.kind, a.file_id, a.file_name) for a in row.attachments],
    ]
    encoded = json.dumps(content, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()[:6]


@dataclass(frozen=True)
class Author:
    """Whom to tell about a decision, in their language."""

    telegram_id: int
    language: str


@dataclass(frozen=True)
class PendingSuggestion:
    id: int
    text: str
    status: str
    at: datetime
    idea_id: int
    idea_title: str
    # The idea's author, who reads the suggestion once it is published, and its sender.
    idea_author: Author
    sender: Author


class Moderation:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def pending_ideas(self, edition_id: int) -> Sequence[int]:
        """The submitted ideas, oldest first."""
        rows = await self.session.scalars(
            select(IdeaRow.id)
            .where(IdeaRow.edition_id == edition_id, IdeaRow.status == WAITING)
            .order_by(IdeaRow.id)
        )
        return rows.all()

    async def pending_suggestions(self, edition_id: int) -> Sequence[int]:
        """The submitted suggestions, oldest first."""
        rows = await self.session.scalars(
            select(SuggestionRow.id)
            .join(IdeaRow, IdeaRow.id == SuggestionRow.idea_id)
            .where(IdeaRow.edition_id == edition_id, SuggestionRow.status == WAITING)
            .order_by(SuggestionRow.id)
        )
        return rows.all()

    async def idea(self, edition_id: int, idea_id: int) -> IdeaRow | None:
        """An idea of this edition (whatever its status); None for another edition's."""
        row = await self.session.get(IdeaRow, idea_id)
        return row if row is not None and row.edition_id == edition_id else None

    async def author(self, idea_id: int) -> Author | None:
        row = (
            await self.session.execute(
                select(CitizenRow.telegram_id, CitizenRow.language)
                .join(IdeaRow, IdeaRow.citizen_id == CitizenRow.id)
                .where(IdeaRow.id == idea_id)
            )
        ).first()
        return Author(row.telegram_id, row.language) if row else None

    async def suggestion(self, edition_id: int, suggestion_id: int) -> PendingSuggestion | None:
        """A suggestion to an idea of this edition (whatever its status)."""
        idea_author, sender = aliased(CitizenRow), aliased(CitizenRow)
        row = (
            await self.session.execute(
                select(
                    SuggestionRow,
                    IdeaRow.title,
                    idea_author.telegram_id,
                    idea_author.language,
                    sender.telegram_id,
                    sender.language,
                )
                .join(IdeaRow, IdeaRow.id == SuggestionRow.idea_id)
                .join(idea_author, idea_author.id == IdeaRow.citizen_id)
                .join(sender, sender.id == SuggestionRow.citizen_id)
                .where(SuggestionRow.id == suggestion_id, IdeaRow.edition_id == edition_id)
            )
        ).first()
        if row is None:
            return None
        suggestion, title, author_id, author_language, sender_id, sender_language = row
        return PendingSuggestion(
            id=suggestion.id,
            text=suggestion.text,
            status=suggestion.status,
            at=suggestion.at,
            idea_id=suggestion.idea_id,
            idea_title=title,
            idea_author=Author(author_id, author_language),
            sender=Author(sender_id, sender_language),
        )

    async def decide_idea(
        self,
        edition_id: int,
        idea_id: int,
        status: IdeaStatus,
        reason: str | None,
        now: datetime,
        seen: str,
    ) -> bool:
        """Move a submitted idea to `status` (published, changes_asked or rejected) with the
        reason its author reads; False if it was not waiting (any more), or if its author
        changed it since the moderator saw it (`seen`, its fingerprint)."""
        # Locked (on PostgreSQL) until the decision is committed: an author's change either
        # commits first, and is seen here, or waits and then finds the idea decided.
        row = (
            await self.session.scalars(
                select(IdeaRow)
                .where(IdeaRow.id == idea_id, IdeaRow.edition_id == edition_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).first()
        if row is None or row.status != WAITING or fingerprint(row) != seen:
            return False
        values: dict[str, object] = {"status": status.value, "status_reason": reason}
        if status is IdeaStatus.PUBLISHED:
            values["published_at"] = now
        result = await self.session.execute(
            update(IdeaRow)
            .where(
                IdeaRow.id == idea_id,
                IdeaRow.edition_id == edition_id,
                IdeaRow.status == WAITING,
            )
            .values(values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def decide_suggestion(self, edition_id: int, suggestion_id: int, status: str) -> bool:
        """Publish or reject a submitted suggestion; False if it was not waiting (any more)."""
        of_edition = select(IdeaRow.id).where(IdeaRow.edition_id == edition_id)
        result = await self.session.execute(
            update(SuggestionRow)
            .where(
                SuggestionRow.id == suggestion_id,
                SuggestionRow.status == WAITING,
                SuggestionRow.idea_id.in_(of_edition),
            )
            .values(status=status)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]
