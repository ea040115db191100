"""What comes after the vote: each project funded or not (with its votes and rank), and its
idea's status with it; who follows a project; the progress staff post on funded ones."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from budget.ideas import IdeaStatus
from storage.tables import (
    EditionRow,
    FollowRow,
    IdeaRow,
    ProgressRow,
    ProjectRow,
    SupportRow,
)


@dataclass(frozen=True)
class ProjectOutcome:
    project_id: int
    funded: bool
    votes: int
    rank: int


@dataclass(frozen=True)
class Post:
    id: int
    project_id: int
    stage: str
    text: str
    photo: str | None
    posted_at: datetime


def _post(row: ProgressRow) -> Post:
    return Post(row.id, row.project_id, row.stage, row.text, row.photo, row.posted_at)


class Accountability:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def results_published(self, edition_id: int) -> bool:
        at = await self.session.scalar(
            select(EditionRow.results_published_at).where(EditionRow.id == edition_id)
        )
        return at is not None

    async def record_outcomes(
        self, edition_id: int, outcomes: Sequence[ProjectOutcome], now: datetime
    ) -> bool:
        """Mark each project funded or not, and its idea a winner or not funded; False (and
        nothing changed) if the results were published already, by this process or another:
        the edition's row is claimed by one conditional update."""
        claimed = await self.session.execute(
            update(EditionRow)
            .where(EditionRow.id == edition_id, EditionRow.results_published_at.is_(None))
            .values(results_published_at=now)
            .execution_options(synchronize_session=False)
        )
        if not claimed.rowcount:  # type: ignore[attr-defined]
            return False
        for outcome in outcomes:
            await self.session.execute(
                update(ProjectRow)
                .where(ProjectRow.id == outcome.project_id)
                .values(funded=outcome.funded, votes=outcome.votes, rank=outcome.rank)
                .execution_options(synchronize_session=False)
            )
            status = IdeaStatus.WINNER if outcome.funded else IdeaStatus.NOT_FUNDED
            await self.session.execute(
                update(IdeaRow)
                .where(
                    IdeaRow.id.in_(
                        select(ProjectRow.idea_id).where(ProjectRow.id == outcome.project_id)
                    )
                )
                .values(status=status.value)
                .execution_options(synchronize_session=False)
            )
        return True

    async def outcome(self, project_id: int) -> ProjectOutcome | None:
        row = await self.session.get(ProjectRow, project_id, populate_existing=True)
        if row is None or row.funded is None:
            return None
        return ProjectOutcome(row.id, row.funded, row.votes or 0, row.rank or 0)

    async def funded(self, edition_id: int) -> list[int]:
        """The funded projects, in the order of the ranking."""
        rows = await self.session.scalars(
            select(ProjectRow.id)
            .where(ProjectRow.edition_id == edition_id, ProjectRow.funded.is_(True))
            .order_by(ProjectRow.rank, ProjectRow.id)
        )
        return list(rows)

    async def followers(self, project_id: int) -> set[int]:
        """The author and supporters of the project's idea, who follow it unless they
        stopped, and those who chose to follow it."""
        idea_id = await self.session.scalar(
            select(ProjectRow.idea_id).where(ProjectRow.id == project_id)
        )
        by_default: set[int] = set()
        if idea_id is not None:
            author = await self.session.scalar(
                select(IdeaRow.citizen_id).where(IdeaRow.id == idea_id)
            )
            supporters = await self.session.scalars(
                select(SupportRow.citizen_id).where(SupportRow.idea_id == idea_id)
            )
            by_default = {*supporters, *([author] if author is not None else [])}
        choices = await self.session.execute(
            select(FollowRow.citizen_id, FollowRow.following).where(
                FollowRow.project_id == project_id
            )
        )
        chosen = {row.citizen_id: row.following for row in choices}
        return {
            citizen
            for citizen in by_default | set(chosen)
            if chosen.get(citizen, citizen in by_default)
        }

    async def follows(self, project_id: int, citizen_id: int) -> bool:
        return citizen_id in await self.followers(project_id)

    async def set_following(
        self, project_id: int, citizen_id: int, following: bool, now: datetime
    ) -> None:
        row = await self.session.scalar(
            select(FollowRow).where(
                FollowRow.project_id == project_id, FollowRow.citizen_id == citizen_id
            )
        )
        if row is None:
            self.session.add(
                FollowRow(project_id=project_id, citizen_id=citizen_id, following=following, at=now)
            )
        else:
            row.following, row.at = following, now
        await self.session.flush()

    async def add_post(
        self,
        project_id: int,
        stage: str,
        text: str,
        photo: str | None,
        posted_by: int,
        now: datetime,
    ) -> Post:
        row = ProgressRow(
            project_id=project_id,
            stage=stage,
            text=text,
            photo=photo,
            posted_by=posted_by,
            posted_at=now,
        )
        self.session.add(row)
        await self.session.flush()
        return _post(row)

    async def posts(self, project_id: int) -> list[Post]:
        """The project's progress, newest first."""
        rows = await self.session.scalars(
            select(ProgressRow)
            .where(ProgressRow.project_id == project_id)
            .order_by(ProgressRow.posted_at.desc(), ProgressRow.id.desc())
        )
        return [_post(row) for row in rows]

    async def latest_stages(self, edition_id: int) -> dict[int, str]:
        """Each funded project's stage: that of its latest post."""
        rows = await self.session.execute(
            select(ProgressRow.project_id, ProgressRow.stage)
            .join(ProjectRow, ProjectRow.id == ProgressRow.project_id)
            .where(ProjectRow.edition_id == edition_id)
            .order_by(ProgressRow.posted_at, ProgressRow.id)
        )
        return {row.project_id: row.stage for row in rows}

    async def posts_between(self, edition_id: int, start: datetime, end: datetime) -> list[Post]:
        rows = await self.session.scalars(
            select(ProgressRow)
            .join(ProjectRow, ProjectRow.id == ProgressRow.project_id)
            .where(
                ProjectRow.edition_id == edition_id,
                # After the previous digest, up to this one included.
                ProgressRow.posted_at > start,
                ProgressRow.posted_at <= end,
            )
            .order_by(ProgressRow.posted_at, ProgressRow.id)
        )
        return [_post(row) for row in rows]

    async def all_followers(self, edition_id: int) -> set[int]:
        """Whoever follows at least one funded project of the edition."""
        everyone: set[int] = set()
        for project_id in await self.funded(edition_id):
            everyone |= await self.followers(project_id)
        return everyone
