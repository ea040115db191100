"""The analysis of ideas: feasibility, cost after analysis, staff notes, merging look-alikes.

Every change is a conditional UPDATE on what the staff member saw: when two analysts press at
once, one changes the row and the other learns that someone did. A merge locks both ideas (in
the order of their ids, so two opposite merges cannot deadlock) before checking them."""

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from budget.ideas import IdeaStatus
from storage.constraints import is_violation
from storage.tables import AuditRow, CitizenRow, IdeaRow, SupportRow

# The audit action that records two ideas found not to be the same, so that /merge does not
# propose them again (to anyone).
DISMISSED = "merge_dismissed"
# A citizen may support the kept idea at the very moment its supports are moved (from another
# process): the move then breaks uq_supports_idea_citizen, and is done again without them.
MOVE_ATTEMPTS = 3


@dataclass(frozen=True)
class Author:
    """Whom to tell what happened to an idea, in their language."""

    telegram_id: int
    language: str


@dataclass(frozen=True)
class Change:
    """The values an action changed, as the audit log keeps them."""

    before: dict[str, Any]
    after: dict[str, Any]


@dataclass(frozen=True)
class Summary:
    """An idea as a look-alike pair shows it."""

    number: int
    title: str
    description: str
    status: IdeaStatus
    supports: int


@dataclass(frozen=True)
class Merged:
    absorbed: int
    kept: int
    absorbed_status: IdeaStatus
    # Supports moved to the kept idea, and those dropped because the citizen supported both.
    moved: int
    duplicates: int
    # Ideas merged earlier into the absorbed one, now pointing at the kept one.
    repointed: tuple[int, ...]


@dataclass(frozen=True)
class MergeRefused:
    """same, unknown, already_merged, kept_merged, not_mergeable or changed; `idea` is the idea
    the refusal is about, `into` where it was merged, `status` the status it has."""

    reason: str
    idea: int
    into: int | None = None
    status: IdeaStatus | None = None


class Analysis:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def idea(self, edition_id: int, idea_id: int) -> IdeaRow | None:
        """The idea as it is now in the database, if it belongs to this edition."""
        return await self.session.scalar(
            select(IdeaRow)
            .where(IdeaRow.id == idea_id, IdeaRow.edition_id == edition_id)
            .execution_options(populate_existing=True)
        )

    async def author(self, idea: IdeaRow) -> Author:
        row = (
            await self.session.execute(
                select(CitizenRow.telegram_id, CitizenRow.language).where(
                    CitizenRow.id == idea.citizen_id
                )
            )
        ).one()
        return Author(row.telegram_id, row.language)

    async def supports(self, idea_id: int) -> int:
        count = await self.session.scalar(
            select(func.count()).select_from(SupportRow).where(SupportRow.idea_id == idea_id)
        )
        return int(count or 0)

    async def merged_here(self, idea_id: int) -> tuple[int, ...]:
        rows = await self.session.scalars(
            select(IdeaRow.id).where(IdeaRow.merged_into_id == idea_id).order_by(IdeaRow.id)
        )
        return tuple(rows)

    async def judge(
        self,
        edition_id: int,
        idea_id: int,
        seen: tuple[IdeaStatus, bool | None],
        feasible: bool,
        reason: str | None,
        only_from: Collection[IdeaStatus],
    ) -> Change | None:
        """Found feasible (the idea goes on under analysis) or not (with the reason its author
        reads), if the idea still has the status and verdict `seen` and that status is one of
        `only_from`; None if not."""
        row = await self.idea(edition_id, idea_id)
        status, verdict = seen
        if row is None or status not in only_from:
            return None
        after: dict[str, Any] = {
            "status": (IdeaStatus.UNDER_ANALYSIS if feasible else IdeaStatus.NOT_FEASIBLE).value,
            "feasible": feasible,
            "status_reason": None if feasible else reason,
        }
        before = {
            "status": row.status,
            "feasible": row.feasible,
            "status_reason": row.status_reason,
        }
        result = await self.session.execute(
            update(IdeaRow)
            .where(
                IdeaRow.id == idea_id,
                IdeaRow.edition_id == edition_id,
                IdeaRow.status == status.value,
                IdeaRow.feasible.is_not_distinct_from(verdict),
            )
            .values(**after)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return Change(before, after)

    async def set_cost(self, edition_id: int, idea_id: int, cents: int) -> Change | None:
        return await self._set(edition_id, idea_id, IdeaRow.analysed_cost_cents, cents)

    async def set_notes(self, edition_id: int, idea_id: int, notes: str) -> Change | None:
        return await self._set(edition_id, idea_id, IdeaRow.staff_notes, notes)

    async def _set(
        self,
        edition_id: int,
        idea_id: int,
        column: InstrumentedAttribute[Any],
        value: object,
    ) -> Change | None:
        """Replace one value, on condition that it is still the one just read: the audit log's
        `before` is then exactly what was replaced. None if the idea is not this edition's, or
        someone changed the value meanwhile."""
        row = await self.idea(edition_id, idea_id)
        if row is None:
            return None
        before = getattr(row, column.key)
        result = await self.session.execute(
            update(IdeaRow)
            .where(
                IdeaRow.id == idea_id,
                IdeaRow.edition_id == edition_id,
                column.is_not_distinct_from(before),
            )
            .values({column.key: value})
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return Change({column.key: before}, {column.key: value})

    async def texts(
        self, edition_id: int, statuses: Collection[IdeaStatus]
    ) -> list[tuple[int, str]]:
        """(number, title and description) of the edition's ideas in `statuses`."""
        rows = await self.session.execute(
            select(IdeaRow.id, IdeaRow.title, IdeaRow.description).where(
                IdeaRow.edition_id == edition_id,
                IdeaRow.status.in_([status.value for status in statuses]),
            )
        )
        return [(number, f"{title}. {description}") for number, title, description in rows]

    async def summaries(self, edition_id: int, ids: Collection[int]) -> dict[int, Summary]:
        supports = (
            select(func.count())
            .select_from(SupportRow)
            .where(SupportRow.idea_id == IdeaRow.id)
            .scalar_subquery()
        )
        rows = await self.session.execute(
            select(IdeaRow.id, IdeaRow.title, IdeaRow.description, IdeaRow.status, supports).where(
                IdeaRow.edition_id == edition_id, IdeaRow.id.in_(list(ids))
            )
        )
        return {
            number: Summary(number, title, description, IdeaStatus(status), count)
            for number, title, description, status, count in rows
        }

    async def dismissed(self) -> set[tuple[int, int]]:
        """The pairs staff said are not the same (see `pair_subject`)."""
        subjects = await self.session.scalars(
            select(AuditRow.subject).where(AuditRow.action == DISMISSED)
        )
        pairs = set()
        for subject in subjects:
            first, _, second = subject.removeprefix("ideas:").partition("+")
            if first.isdigit() and second.isdigit():
                pairs.add((int(first), int(second)))
        return pairs

    async def merge(
        self, edition_id: int, absorbed: int, kept: int, only_from: Collection[IdeaStatus]
    ) -> Merged | MergeRefused:
        """Close `absorbed` as merged into `kept` and move its supports there (a citizen who
        supported both keeps one support)."""
        if absorbed == kept:
            return MergeRefused("same", absorbed)
        rows = await self.session.scalars(
            select(IdeaRow)
            .where(IdeaRow.id.in_([absorbed, kept]), IdeaRow.edition_id == edition_id)
            .order_by(IdeaRow.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        ideas = {row.id: row for row in rows}
        for number in (absorbed, kept):
            if number not in ideas:
                return MergeRefused("unknown", number)
        for number, reason in ((absorbed, "already_merged"), (kept, "kept_merged")):
            if ideas[number].status == IdeaStatus.MERGED:
                return MergeRefused(reason, number, into=ideas[number].merged_into_id)
        allowed = [status.value for status in only_from]
        for number in (absorbed, kept):
            if ideas[number].status not in allowed:
                return MergeRefused(
                    "not_mergeable", number, status=IdeaStatus(ideas[number].status)
                )
        was = IdeaStatus(ideas[absorbed].status)
        result = await self.session.execute(
            update(IdeaRow)
            .where(
                IdeaRow.id == absorbed,
                IdeaRow.edition_id == edition_id,
                IdeaRow.status.in_(allowed),
            )
            .values(status=IdeaStatus.MERGED.value, merged_into_id=kept)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return MergeRefused("changed", absorbed)
        repointed = tuple(
            await self.session.scalars(
                update(IdeaRow)
                .where(IdeaRow.merged_into_id == absorbed)
                .values(merged_into_id=kept)
                .returning(IdeaRow.id)
                .execution_options(synchronize_session=False)
            )
        )
        moved, duplicates = await self._move_supports(absorbed, kept)
        return Merged(absorbed, kept, was, moved, duplicates, tuple(sorted(repointed)))

    async def _move_supports(self, absorbed: int, kept: int) -> tuple[int, int]:
        for _ in range(MOVE_ATTEMPTS - 1):
            try:
                async with self.session.begin_nested():
                    return await self._move_supports_once(absorbed, kept)
            except IntegrityError as error:
                if not is_violation(error, "uq_supports_idea_citizen"):
                    raise
                continue
        async with self.session.begin_nested():
            return await self._move_supports_once(absorbed, kept)

    async def _move_supports_once(self, absorbed: int, kept: int) -> tuple[int, int]:
        already = select(SupportRow.citizen_id).where(SupportRow.idea_id == kept)
        dropped = await self.session.execute(
            delete(SupportRow)
            .where(SupportRow.idea_id == absorbed, SupportRow.citizen_id.in_(already))
            .execution_options(synchronize_session=False)
        )
        moved = await self.session.execute(
            update(SupportRow)
            .where(SupportRow.idea_id == absorbed)
            .values(idea_id=kept)
            .execution_options(synchronize_session=False)
        )
        return moved.rowcount, dropped.rowcount  # type: ignore[attr-defined]


def pair_subject(first: int, second: int) -> str:
    """The audit log's subject for an action on two ideas (found not to be the same, say)."""
    low, high = sorted((first, second))
    return f"ideas:{low}+{high}"
