"""Published ideas as citizens browse them, their supports and the suggestions citizens send.

Which statuses citizens may see, and which ideas may be supported, is the caller's rule
(`conversations.idea_browser`); every query here takes it, so that no path reads an idea that
is not public. One support per citizen and idea is kept by the unique constraint
`uq_supports_idea_citizen`, and a support is only added while its idea is in a status that
takes supports, in the same statement."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, delete, func, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.constraints import is_violation
from storage.tables import IdeaRow, SuggestionRow, SupportRow
from storage.types import UtcDateTime

SUGGESTION_SUBMITTED = "submitted"
SUGGESTION_PUBLISHED = "published"


@dataclass(frozen=True)
class ListedIdea:
    """An idea as a line of the list: what it is about and how many support it."""

    id: int
    title: str
    theme: str
    district: str | None
    status: str
    supports: int


class Browsing:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def listed(self, edition_id: int, statuses: Collection[str]) -> list[ListedIdea]:
        """The edition's ideas in `statuses`, by number, with their support counts."""
        supports = func.count(SupportRow.id)
        rows = await self.session.execute(
            select(
                IdeaRow.id,
                IdeaRow.title,
                IdeaRow.theme,
                IdeaRow.district,
                IdeaRow.status,
                supports,
            )
            .outerjoin(SupportRow, SupportRow.idea_id == IdeaRow.id)
            .where(IdeaRow.edition_id == edition_id, IdeaRow.status.in_(statuses))
            .group_by(IdeaRow.id)
            .order_by(IdeaRow.id)
        )
        return [ListedIdea(*row) for row in rows]

    async def visible(
        self, edition_id: int, idea_id: int, statuses: Collection[str]
    ) -> IdeaRow | None:
        """The idea, if it belongs to this edition and is in one of `statuses`."""
        return await self.session.scalar(
            select(IdeaRow).where(
                IdeaRow.id == idea_id,
                IdeaRow.edition_id == edition_id,
                IdeaRow.status.in_(statuses),
            )
        )

    async def supported(self, edition_id: int, citizen_id: int) -> set[int]:
        """The ideas of this edition the citizen supports."""
        rows = await self.session.scalars(
            select(SupportRow.idea_id)
            .join(IdeaRow, IdeaRow.id == SupportRow.idea_id)
            .where(SupportRow.citizen_id == citizen_id, IdeaRow.edition_id == edition_id)
        )
        return set(rows)

    async def supports(self, idea_id: int) -> int:
        count = await self.session.scalar(
            select(func.count()).select_from(SupportRow).where(SupportRow.idea_id == idea_id)
        )
        return int(count or 0)

    async def support(
        self,
        edition_id: int,
        idea_id: int,
        citizen_id: int,
        now: datetime,
        statuses: Collection[str],
    ) -> bool:
        """Add the citizen's support; False if they support it already (a second tap, another
        device) or the idea no longer takes supports."""
        # One statement checks the idea's status and inserts: staff moving the idea on at the
        # same moment cannot slip between a check and the insert.
        open_idea = select(
            IdeaRow.id, literal(citizen_id, Integer()), literal(now, UtcDateTime())
        ).where(
            IdeaRow.id == idea_id,
            IdeaRow.edition_id == edition_id,
            IdeaRow.status.in_(statuses),
        )
        statement = insert(SupportRow).from_select(["idea_id", "citizen_id", "at"], open_idea)
        try:
            async with self.session.begin_nested():
                result = await self.session.execute(statement)
        except IntegrityError as error:
            if not is_violation(error, "uq_supports_idea_citizen"):
                raise
            return False
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def withdraw(self, idea_id: int, citizen_id: int) -> bool:
        """Take the citizen's support back; False if there was none."""
        result = await self.session.execute(
            delete(SupportRow).where(
                SupportRow.idea_id == idea_id, SupportRow.citizen_id == citizen_id
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def suggest(self, idea_id: int, citizen_id: int, text: str, now: datetime) -> int:
        """Keep a suggestion for moderation; it is shown once published. Its number."""
        row = SuggestionRow(
            idea_id=idea_id, citizen_id=citizen_id, text=text, status=SUGGESTION_SUBMITTED, at=now
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def suggestions(self, idea_id: int) -> list[str]:
        """The idea's published suggestions, oldest first."""
        rows = await self.session.scalars(
            select(SuggestionRow.text)
            .where(SuggestionRow.idea_id == idea_id, SuggestionRow.status == SUGGESTION_PUBLISHED)
            .order_by(SuggestionRow.at, SuggestionRow.id)
        )
        return list(rows)
