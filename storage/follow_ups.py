"""Follow-up questionnaires sent to the authors of ideas, and their answers.

A questionnaire is sent at most once per idea (a unique constraint); answers are taken once and
only before the deadline, and a reminder goes out once (conditional updates): two staff members
pressing at once, a double tap on Send, or two bot processes reminding at once change nothing
twice."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from budget.edition import Edition
from budget.edition_file import parse_edition
from storage.constraints import is_violation
from storage.tables import CitizenRow, EditionRow, FollowUpRow, IdeaRow


@dataclass(frozen=True)
class FollowUp:
    id: int
    idea_id: int
    questionnaire: str
    deadline: datetime
    sent_by: int
    sent_at: datetime
    reminded_at: datetime | None
    answered_at: datetime | None
    answers: dict[str, Any]


@dataclass(frozen=True)
class Author:
    """An idea and the account of the citizen who deposited it."""

    idea_id: int
    title: str
    telegram_id: int
    language: str


@dataclass(frozen=True)
class Sent:
    """A questionnaire sent for an idea, with the idea's title (for staff lists and exports)."""

    follow_up: FollowUp
    title: str


@dataclass(frozen=True)
class DueReminder:
    follow_up: FollowUp
    edition_id: int
    author: Author


def _follow_up(row: FollowUpRow) -> FollowUp:
    return FollowUp(
        id=row.id,
        idea_id=row.idea_id,
        questionnaire=row.questionnaire,
        deadline=row.deadline,
        sent_by=row.sent_by,
        sent_at=row.sent_at,
        reminded_at=row.reminded_at,
        answered_at=row.answered_at,
        answers=dict(row.answers or {}),
    )


_AUTHORS = select(IdeaRow.id, IdeaRow.title, CitizenRow.telegram_id, CitizenRow.language).join(
    CitizenRow, CitizenRow.id == IdeaRow.citizen_id
)


class FollowUps:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def authors(
        self, edition_id: int, status: str | None = None, idea_id: int | None = None
    ) -> list[Author]:
        """The ideas of an edition in `status` (or the one idea `idea_id`), with their authors."""
        query = _AUTHORS.where(IdeaRow.edition_id == edition_id)
        if status is not None:
            query = query.where(IdeaRow.status == status)
        if idea_id is not None:
            query = query.where(IdeaRow.id == idea_id)
        rows = await self.session.execute(query.order_by(IdeaRow.id))
        return [Author(*row) for row in rows]

    async def send(
        self,
        idea_ids: Iterable[int],
        questionnaire: str,
        deadline: datetime,
        by: int,
        now: datetime,
    ) -> list[int]:
        """Send `questionnaire` for each idea that did not have it yet; return those ideas. An
        idea that had it keeps its deadline and its answers."""
        wanted = list(dict.fromkeys(idea_ids))
        if not wanted:
            return []
        had = set(
            await self.session.scalars(
                select(FollowUpRow.idea_id).where(
                    FollowUpRow.questionnaire == questionnaire, FollowUpRow.idea_id.in_(wanted)
                )
            )
        )
        new = []
        for idea_id in wanted:
            if idea_id in had:
                continue
            try:
                # Another staff member may be sending it at this very moment: the constraint
                # decides, and the loser counts the idea as already asked.
                async with self.session.begin_nested():
                    self.session.add(
                        FollowUpRow(
                            idea_id=idea_id,
                            questionnaire=questionnaire,
                            deadline=deadline,
                            sent_by=by,
                            sent_at=now,
                            answers={},
                        )
                    )
            except IntegrityError as error:
                if not is_violation(error, "uq_follow_ups_idea_questionnaire"):
                    raise
                continue
            new.append(idea_id)
        return new

    async def get(self, idea_id: int, questionnaire: str) -> FollowUp | None:
        row = await self.session.scalar(
            select(FollowUpRow).where(
                FollowUpRow.idea_id == idea_id, FollowUpRow.questionnaire == questionnaire
            )
        )
        return _follow_up(row) if row else None

    async def by_id(self, follow_up_id: int) -> FollowUp | None:
        row = await self.session.get(FollowUpRow, follow_up_id)
        return _follow_up(row) if row else None

    async def of_idea(self, idea_id: int) -> list[FollowUp]:
        rows = await self.session.scalars(
            select(FollowUpRow).where(FollowUpRow.idea_id == idea_id).order_by(FollowUpRow.id)
        )
        return [_follow_up(row) for row in rows]

    async def waiting_for(self, edition_id: int, citizen_id: int, now: datetime) -> list[FollowUp]:
        """The questionnaires this citizen's ideas still wait for answers to, soonest due
        first: what /myideas and the menu offer to answer."""
        rows = await self.session.scalars(
            select(FollowUpRow)
            .join(IdeaRow, IdeaRow.id == FollowUpRow.idea_id)
            .where(
                IdeaRow.edition_id == edition_id,
                IdeaRow.citizen_id == citizen_id,
                FollowUpRow.answered_at.is_(None),
                FollowUpRow.deadline > now,
            )
            .order_by(FollowUpRow.deadline, FollowUpRow.id)
        )
        return [_follow_up(row) for row in rows]

    async def of_questionnaire(self, edition_id: int, questionnaire: str) -> list[Sent]:
        rows = await self.session.execute(
            select(FollowUpRow, IdeaRow.title)
            .join(IdeaRow, IdeaRow.id == FollowUpRow.idea_id)
            .where(IdeaRow.edition_id == edition_id, FollowUpRow.questionnaire == questionnaire)
            .order_by(FollowUpRow.idea_id)
        )
        return [Sent(_follow_up(row), title) for row, title in rows]

    async def answer(self, follow_up_id: int, answers: dict[str, Any], now: datetime) -> bool:
        """Keep the answers; False when they were sent already or the deadline has passed."""
        result = await self.session.execute(
            update(FollowUpRow)
            .where(
                FollowUpRow.id == follow_up_id,
                FollowUpRow.answered_at.is_(None),
                FollowUpRow.deadline > now,
            )
            .values(answers=answers, answered_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def due_reminders(self, now: datetime, until: datetime) -> list[DueReminder]:
        """Questionnaires not answered nor reminded, whose deadline falls between now and
        `until`."""
        rows = await self.session.execute(
            select(
                FollowUpRow,
                IdeaRow.edition_id,
                IdeaRow.title,
                CitizenRow.telegram_id,
                CitizenRow.language,
            )
            .join(IdeaRow, IdeaRow.id == FollowUpRow.idea_id)
            .join(CitizenRow, CitizenRow.id == IdeaRow.citizen_id)
            .where(
                FollowUpRow.answered_at.is_(None),
                FollowUpRow.reminded_at.is_(None),
                FollowUpRow.deadline > now,
                FollowUpRow.deadline <= until,
            )
            .order_by(FollowUpRow.id)
        )
        return [
            DueReminder(
                _follow_up(row), edition_id, Author(row.idea_id, title, telegram_id, language)
            )
            for row, edition_id, title, telegram_id, language in rows
        ]

    async def mark_reminded(self, follow_up_id: int, now: datetime) -> bool:
        """Claim a reminder; False when it went out already or the answers came meanwhile."""
        result = await self.session.execute(
            update(FollowUpRow)
            .where(
                FollowUpRow.id == follow_up_id,
                FollowUpRow.reminded_at.is_(None),
                FollowUpRow.answered_at.is_(None),
            )
            .values(reminded_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def editions(self, edition_ids: Sequence[int]) -> dict[int, Edition]:
        """The editions these follow-ups belong to (their questionnaires and time zones)."""
        rows = await self.session.execute(
            select(EditionRow.id, EditionRow.source).where(EditionRow.id.in_(edition_ids))
        )
        return {edition_id: parse_edition(source) for edition_id, source in rows}
