"""Projects on the ballot."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from budget.ballot import Project
from storage.tables import ProjectRow

# What a project on the ballot is made of (budget.ballot.Project).
ON_BALLOT = (
    ProjectRow.id,
    ProjectRow.title,
    ProjectRow.summary,
    ProjectRow.cost_cents,
    ProjectRow.district,
    ProjectRow.theme,
    ProjectRow.image,
    ProjectRow.place,
)


def _project(row: ProjectRow | Row[Any]) -> Project:
    return Project(
        id=row.id,
        title=dict(row.title),
        summary=dict(row.summary),
        cost_cents=row.cost_cents,
        district=row.district,
        theme=row.theme,
        image=row.image,
        place=row.place,
    )


class Projects:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        # Whether this unit of work changed a project (what the bot keeps of the ballot is
        # read again then).
        self.changed = False

    async def on_ballot(self, edition_id: int) -> list[Project]:
        # Read by the vote at each update: the columns alone, as the ORM's objects (tracked
        # in the session, one at a time) cost several times as much for a national ballot.
        rows = await self.session.execute(
            select(*ON_BALLOT).where(ProjectRow.edition_id == edition_id).order_by(ProjectRow.id)
        )
        return [_project(row) for row in rows]

    async def for_idea(self, edition_id: int, idea_id: int) -> ProjectRow | None:
        return await self.session.scalar(
            select(ProjectRow).where(
                ProjectRow.edition_id == edition_id, ProjectRow.idea_id == idea_id
            )
        )

    async def add(
        self,
        edition_id: int,
        title: Mapping[str, str],
        summary: Mapping[str, str],
        cost_cents: int,
        now: datetime,
        idea_id: int | None = None,
        district: str | None = None,
        theme: str | None = None,
        image: str | None = None,
        place: str | None = None,
    ) -> Project:
        row = ProjectRow(
            edition_id=edition_id,
            idea_id=idea_id,
            title=dict(title),
            summary=dict(summary),
            cost_cents=cost_cents,
            district=district,
            theme=theme,
            image=image,
            place=place,
            created_at=now,
        )
        self.changed = True
        self.session.add(row)
        await self.session.flush()
        return _project(row)

    async def set_cost(self, row: ProjectRow, cost_cents: int) -> Project:
        self.changed = True
        row.cost_cents = cost_cents
        await self.session.flush()
        return _project(row)

    async def count(self, edition_id: int) -> int:
        return len(await self.ids(edition_id))

    async def ids(self, edition_id: int) -> Sequence[int]:
        rows = await self.session.scalars(
            select(ProjectRow.id).where(ProjectRow.edition_id == edition_id)
        )
        return rows.all()
