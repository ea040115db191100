"""Ideas deposited by citizens."""

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from budget.ideas import IdeaStatus
from storage.tables import AttachmentRow, IdeaRow


@dataclass
class NewIdea:
    """An idea as its author published it; the fields are the idea table's columns."""

    author_kind: str
    organisation: str | None
    title: str
    description: str
    objectives: str | None
    beneficiaries: str | None
    theme: str
    implementation: str | None
    latitude: float | None
    longitude: float | None
    address: str | None
    budget_cents: int
    image_file_id: str | None
    # (kind, file_id, file_name) in the order they were sent.
    attachments: Sequence[tuple[str, str, str]] = field(default_factory=list)


class Ideas:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def submit(
        self, edition_id: int, citizen_id: int, idea: NewIdea, now: datetime
    ) -> IdeaRow:
        columns = {
            f.name: getattr(idea, f.name) for f in fields(NewIdea) if f.name != "attachments"
        }
        row = IdeaRow(
            **columns,
            edition_id=edition_id,
            citizen_id=citizen_id,
            status=IdeaStatus.SUBMITTED.value,
            submitted_at=now,
            attachments=[
                AttachmentRow(position=position, kind=kind, file_id=file_id, file_name=name)
                for position, (kind, file_id, name) in enumerate(idea.attachments)
            ],
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def get(self, idea_id: int) -> IdeaRow | None:
        return await self.session.get(IdeaRow, idea_id)

    async def of_citizen(self, edition_id: int, citizen_id: int) -> Sequence[IdeaRow]:
        rows = await self.session.scalars(
            select(IdeaRow)
            .where(IdeaRow.edition_id == edition_id, IdeaRow.citizen_id == citizen_id)
            .order_by(IdeaRow.id)
        )
        return rows.all()
