"""Ideas deposited by citizens."""

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from budget.ideas import AUTHOR_MAY_EDIT, IdeaStatus
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
    # The answers to the edition's checklist before the form: criterion -> yes / no / unsure.
    checklist: dict[str, str] | None = None


class Ideas:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def shared(self, edition_id: int, code: str) -> IdeaRow | None:
        return await self.session.scalar(
            select(IdeaRow).where(IdeaRow.edition_id == edition_id, IdeaRow.share_code == code)
        )

    async def submit(
        self,
        edition_id: int,
        citizen_id: int,
        idea: NewIdea,
        now: datetime,
        district: str | None = None,
    ) -> IdeaRow:
        row = IdeaRow(
            **_columns(idea),
            edition_id=edition_id,
            citizen_id=citizen_id,
            status=IdeaStatus.SUBMITTED.value,
            submitted_at=now,
            district=district,
            attachments=_attachments(idea),
        )
        self.session.add(row)
        await self.session.flush()
        return row

    async def resubmit(
        self, idea_id: int, citizen_id: int, idea: NewIdea, district: str | None
    ) -> IdeaStatus | None:
        """Replace an idea with its author's changed version, waiting for moderation again.
        Only while moderation has not decided otherwise: the status it had (submitted or
        changes_asked), or None if it can no longer be changed (published meanwhile, say)."""
        status = await self.session.scalar(
            select(IdeaRow.status).where(IdeaRow.id == idea_id, IdeaRow.citizen_id == citizen_id)
        )
        if status is None or status not in AUTHOR_MAY_EDIT:
            return None
        # Conditional on the status just read: a moderator deciding at the same moment wins,
        # and the author is told, rather than their change silently undoing the decision.
        result = await self.session.execute(
            update(IdeaRow)
            .where(IdeaRow.id == idea_id, IdeaRow.status == status)
            .values(**_columns(idea), district=district, status=IdeaStatus.SUBMITTED.value)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        await self.session.execute(delete(AttachmentRow).where(AttachmentRow.idea_id == idea_id))
        for attachment in _attachments(idea):
            attachment.idea_id = idea_id
            self.session.add(attachment)
        return IdeaStatus(status)

    async def get(self, idea_id: int) -> IdeaRow | None:
        return await self.session.get(IdeaRow, idea_id)

    async def of_citizen(self, edition_id: int, citizen_id: int) -> Sequence[IdeaRow]:
        rows = await self.session.scalars(
            select(IdeaRow)
            .where(IdeaRow.edition_id == edition_id, IdeaRow.citizen_id == citizen_id)
            .order_by(IdeaRow.id)
        )
        return rows.all()


def _columns(idea: NewIdea) -> dict[str, object]:
    return {f.name: getattr(idea, f.name) for f in fields(NewIdea) if f.name != "attachments"}


def _attachments(idea: NewIdea) -> list[AttachmentRow]:
    return [
        AttachmentRow(position=position, kind=kind, file_id=file_id, file_name=name)
        for position, (kind, file_id, name) in enumerate(idea.attachments)
    ]
