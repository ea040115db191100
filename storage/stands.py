"""What stands in town entered: paper ideas and paper ballots, by stand, staff member and
paper reference. The ballots themselves are with the others, sealed on their voters' rows."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.constraints import is_violation
from storage.tables import StandEntryRow


class ReferenceUsed(Exception):
    """Another paper entry of the edition already has this reference."""


@dataclass(frozen=True)
class PaperIdea:
    """Where and how a paper idea was entered, and who wrote it (as they chose to say)."""

    stand: str
    reference: str
    author_name: str | None
    author_contact: str | None


class Stands:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def reference_used(self, edition_id: int, reference: str) -> bool:
        found = await self.session.scalar(
            select(StandEntryRow.id).where(
                StandEntryRow.edition_id == edition_id, StandEntryRow.reference == reference
            )
        )
        return found is not None

    async def record(
        self,
        edition_id: int,
        kind: str,
        stand: str,
        staff_id: int,
        reference: str,
        now: datetime,
        idea_id: int | None = None,
        author_name: str | None = None,
        author_contact: str | None = None,
    ) -> None:
        """Record a paper entry; ReferenceUsed if its reference is taken (by another chat at
        the same moment: the reference is checked when typed)."""
        row = StandEntryRow(
            edition_id=edition_id,
            kind=kind,
            stand=stand,
            staff_id=staff_id,
            reference=reference,
            entered_at=now,
            idea_id=idea_id,
            author_name=author_name,
            author_contact=author_contact,
        )
        try:
            async with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError as error:
            if is_violation(error, "uq_stand_entries_edition_reference"):
                raise ReferenceUsed from None
            raise

    async def counts(self, edition_id: int) -> dict[str, int]:
        """Entries per kind ("idea", "ballot"), all stands together."""
        rows = await self.session.execute(
            select(StandEntryRow.kind, func.count())
            .where(StandEntryRow.edition_id == edition_id)
            .group_by(StandEntryRow.kind)
        )
        return {kind: int(count) for kind, count in rows}

    async def paper_idea(self, idea_id: int) -> PaperIdea | None:
        row = await self.session.scalar(
            select(StandEntryRow).where(StandEntryRow.idea_id == idea_id)
        )
        if row is None:
            return None
        return PaperIdea(row.stand, row.reference, row.author_name, row.author_contact)
