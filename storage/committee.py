"""The committee drawn by lot: volunteers, the draw, and its Retain / Not retain votes.

Every change that two people (or two taps) could make at once is a conditional UPDATE whose
row count says whether this one made it, or rests on a unique constraint: a volunteer is asked,
accepts or refuses once; an idea is decided once; a member has one vote per idea."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from budget.ballot import Project
from budget.ideas import IdeaStatus
from budget.sortition import VolunteerState
from storage.constraints import is_violation
from storage.projects import Projects
from storage.tables import (
    AuditRow,
    CitizenRow,
    CommitteeVoteRow,
    EditionRow,
    IdeaRow,
    SupportRow,
    VolunteerRow,
)

# The draw is kept in the audit log (seed, seats, each district's order): it is the public
# record anyone checks it against, and where the reserve lists are read from after a refusal.
DRAW_ACTION = "committee_draw"
# Closing the list of volunteers is recorded the same way, with the list itself: once the seed
# is public, anyone could compute their ticket, so the list the draw starts from must be fixed
# (and published) before it, and the draw must start from exactly that list.
CLOSE_ACTION = "committee_volunteers_closed"
# A project's summary on the ballot: the idea's description, cut to fit a card on a phone.
SUMMARY_MAX = 600


def edition_subject(edition_id: int) -> str:
    return f"edition:{edition_id}"


@dataclass(frozen=True)
class Volunteer:
    id: int
    edition_id: int
    citizen_id: int
    telegram_id: int
    language: str
    district: str
    state: VolunteerState


@dataclass(frozen=True)
class ClosedList:
    """The volunteers as published before the draw: what the draw starts from."""

    # (number, district) pairs, by number.
    volunteers: tuple[tuple[int, str], ...]
    at: datetime

    def record(self) -> dict[str, Any]:
        """What the audit log keeps of it (its time is the entry's)."""
        return {"volunteers": [list(pair) for pair in self.volunteers]}


@dataclass(frozen=True)
class Candidate:
    """A feasible idea under analysis, as the committee reviews it."""

    id: int
    title: str
    description: str
    cost_cents: int | None
    theme: str
    district: str | None
    supports: int
    author_telegram_id: int
    author_language: str


class Committee:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- volunteers ------------------------------------------------------------------------

    def _volunteers(self) -> Any:
        return select(VolunteerRow, CitizenRow.telegram_id, CitizenRow.language).join(
            CitizenRow, CitizenRow.id == VolunteerRow.citizen_id
        )

    async def volunteer(self, edition_id: int, citizen_id: int) -> Volunteer | None:
        row = (
            await self.session.execute(
                self._volunteers().where(
                    VolunteerRow.edition_id == edition_id, VolunteerRow.citizen_id == citizen_id
                )
            )
        ).first()
        return _volunteer(*row) if row else None

    async def volunteer_by_id(self, volunteer_id: int) -> Volunteer | None:
        row = (
            await self.session.execute(self._volunteers().where(VolunteerRow.id == volunteer_id))
        ).first()
        return _volunteer(*row) if row else None

    async def volunteers(
        self, edition_id: int, state: VolunteerState | None = None
    ) -> list[Volunteer]:
        query = self._volunteers().where(VolunteerRow.edition_id == edition_id)
        if state is not None:
            query = query.where(VolunteerRow.state == state.value)
        rows = await self.session.execute(query.order_by(VolunteerRow.citizen_id))
        return [_volunteer(*row) for row in rows]

    async def join(self, edition_id: int, citizen_id: int, district: str, now: datetime) -> bool:
        """Volunteer; False if the citizen already had (a double tap, say)."""
        try:
            async with self.session.begin_nested():
                self.session.add(
                    VolunteerRow(
                        edition_id=edition_id,
                        citizen_id=citizen_id,
                        district=district,
                        state=VolunteerState.VOLUNTEERED.value,
                        volunteered_at=now,
                    )
                )
        except IntegrityError as error:
            if not is_violation(error, "uq_volunteers_edition_citizen"):
                raise
            return False
        return True

    async def move(self, volunteer_id: int, district: str) -> bool:
        """Change district, only while waiting for the draw (the caller checks it is not made)."""
        return await self._changed(
            update(VolunteerRow)
            .where(
                VolunteerRow.id == volunteer_id,
                VolunteerRow.state == VolunteerState.VOLUNTEERED.value,
            )
            .values(district=district)
        )

    async def withdraw(self, volunteer_id: int) -> bool:
        """Withdraw while not drawn: nothing of the volunteer is kept."""
        return await self._changed(
            delete(VolunteerRow).where(
                VolunteerRow.id == volunteer_id,
                VolunteerRow.state == VolunteerState.VOLUNTEERED.value,
            )
        )

    async def ask(self, edition_id: int, citizen_id: int) -> bool:
        """Invite a volunteer drawn (or next on a reserve list); False if they were already
        asked, or withdrew."""
        return await self._changed(
            update(VolunteerRow)
            .where(
                VolunteerRow.edition_id == edition_id,
                VolunteerRow.citizen_id == citizen_id,
                VolunteerRow.state == VolunteerState.VOLUNTEERED.value,
            )
            .values(state=VolunteerState.ASKED.value)
        )

    async def ask_next(self, edition_id: int, order: Sequence[int]) -> Volunteer | None:
        """Ask the first of a reserve list who is still waiting; None if nobody is left."""
        for citizen_id in order:
            if await self.ask(edition_id, citizen_id):
                return await self.volunteer(edition_id, citizen_id)
        return None

    async def answer(self, volunteer_id: int, accept: bool) -> bool:
        """Accept or refuse an invitation; False if it was already answered."""
        state = VolunteerState.ACCEPTED if accept else VolunteerState.REFUSED
        return await self._changed(
            update(VolunteerRow)
            .where(
                VolunteerRow.id == volunteer_id,
                VolunteerRow.state == VolunteerState.ASKED.value,
            )
            .values(state=state.value)
        )

    async def begin_draw(self, edition_id: int) -> dict[str, Any] | None:
        """Take the edition's row for this transaction (on PostgreSQL; SQLite has one writer
        anyway) so that two draws cannot run at once, and return the draw already made."""
        await self._hold_edition(edition_id)
        return await self.last_draw(edition_id)

    async def hold_list(self, edition_id: int) -> ClosedList | None:
        """Take the edition's row for this transaction, as `begin_draw` does, so that a
        volunteer joining, moving or withdrawing and the list being closed come one after the
        other (nobody slips in or out unseen by the closed list); return the closed list."""
        await self._hold_edition(edition_id)
        return await self.closed_list(edition_id)

    async def _hold_edition(self, edition_id: int) -> None:
        await self.session.execute(
            select(EditionRow.id).where(EditionRow.id == edition_id).with_for_update()
        )

    async def last_draw(self, edition_id: int) -> dict[str, Any] | None:
        return await self.session.scalar(
            select(AuditRow.after)
            .where(AuditRow.action == DRAW_ACTION, AuditRow.subject == edition_subject(edition_id))
            .order_by(AuditRow.id.desc())
            .limit(1)
        )

    async def closed_list(self, edition_id: int) -> ClosedList | None:
        row = (
            await self.session.execute(
                select(AuditRow.after, AuditRow.at)
                .where(
                    AuditRow.action == CLOSE_ACTION, AuditRow.subject == edition_subject(edition_id)
                )
                .order_by(AuditRow.id)
                .limit(1)
            )
        ).first()
        if row is None:
            return None
        after, at = row
        return ClosedList(tuple((int(n), str(d)) for n, d in after["volunteers"]), at)

    # -- votes -----------------------------------------------------------------------------

    async def candidates(self, edition_id: int) -> list[Candidate]:
        """The feasible ideas under analysis, oldest first."""
        supports = (
            select(SupportRow.idea_id, func.count().label("count"))
            .group_by(SupportRow.idea_id)
            .subquery()
        )
        rows = await self.session.execute(
            select(IdeaRow, supports.c.count, CitizenRow.telegram_id, CitizenRow.language)
            .join(CitizenRow, CitizenRow.id == IdeaRow.citizen_id)
            .outerjoin(supports, supports.c.idea_id == IdeaRow.id)
            .where(
                IdeaRow.edition_id == edition_id,
                IdeaRow.status == IdeaStatus.UNDER_ANALYSIS.value,
                IdeaRow.feasible.is_(True),
            )
            .order_by(IdeaRow.id)
        )
        return [
            Candidate(
                id=idea.id,
                title=idea.title,
                description=idea.description,
                cost_cents=idea.analysed_cost_cents,
                theme=idea.theme,
                district=idea.district,
                supports=int(count or 0),
                author_telegram_id=telegram_id,
                author_language=language,
            )
            for idea, count, telegram_id, language in rows
        ]

    async def still_analysed(self, edition_id: int) -> int:
        """Ideas under analysis whose feasibility is not settled yet."""
        count = await self.session.scalar(
            select(func.count())
            .select_from(IdeaRow)
            .where(
                IdeaRow.edition_id == edition_id,
                IdeaRow.status == IdeaStatus.UNDER_ANALYSIS.value,
                IdeaRow.feasible.is_(None),
            )
        )
        return int(count or 0)

    async def vote(self, idea_id: int, member: int, retain: bool, now: datetime) -> bool | None:
        """Record a member's Retain / Not retain, replacing their earlier one; returns the
        earlier one (None if there was none)."""
        earlier = await self.session.scalar(
            select(CommitteeVoteRow.retain).where(
                CommitteeVoteRow.idea_id == idea_id, CommitteeVoteRow.member == member
            )
        )
        change = (
            update(CommitteeVoteRow)
            .where(CommitteeVoteRow.idea_id == idea_id, CommitteeVoteRow.member == member)
            .values(retain=retain, at=now)
        )
        if await self._changed(change):
            return earlier
        try:
            async with self.session.begin_nested():
                self.session.add(
                    CommitteeVoteRow(idea_id=idea_id, member=member, retain=retain, at=now)
                )
        except IntegrityError as error:
            if not is_violation(error, "uq_committee_votes_idea_member"):
                raise
            # The same member's other tap got there first: the constraint kept one row.
            await self.session.execute(change)
        return earlier

    async def votes_of(self, member: int, idea_ids: Sequence[int]) -> dict[int, bool]:
        if not idea_ids:
            return {}
        rows = await self.session.execute(
            select(CommitteeVoteRow.idea_id, CommitteeVoteRow.retain).where(
                CommitteeVoteRow.member == member, CommitteeVoteRow.idea_id.in_(idea_ids)
            )
        )
        return {idea_id: retain for idea_id, retain in rows}

    async def tallies(self, idea_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
        """(Retain, Not retain) per idea."""
        if not idea_ids:
            return {}
        rows = await self.session.execute(
            select(CommitteeVoteRow.idea_id, CommitteeVoteRow.retain, func.count())
            .where(CommitteeVoteRow.idea_id.in_(idea_ids))
            .group_by(CommitteeVoteRow.idea_id, CommitteeVoteRow.retain)
        )
        tallies = dict.fromkeys(idea_ids, (0, 0))
        for idea_id, retain, count in rows:
            retained, not_retained = tallies[idea_id]
            tallies[idea_id] = (count, not_retained) if retain else (retained, count)
        return tallies

    async def voters(self, idea_ids: Sequence[int]) -> set[int]:
        if not idea_ids:
            return set()
        rows = await self.session.scalars(
            select(CommitteeVoteRow.member).where(CommitteeVoteRow.idea_id.in_(idea_ids)).distinct()
        )
        return set(rows)

    # -- the selection ---------------------------------------------------------------------

    async def decide(self, idea_id: int, retained: bool, reason: str | None) -> bool:
        """Retain a feasible idea under analysis, or not; False if it was decided already."""
        status = IdeaStatus.RETAINED if retained else IdeaStatus.NOT_RETAINED
        return await self._changed(
            update(IdeaRow)
            .where(
                IdeaRow.id == idea_id,
                IdeaRow.status == IdeaStatus.UNDER_ANALYSIS.value,
                IdeaRow.feasible.is_(True),
            )
            .values(status=status.value, status_reason=reason)
        )

    async def decided(self, edition_id: int) -> int:
        """Ideas already retained or not retained."""
        count = await self.session.scalar(
            select(func.count())
            .select_from(IdeaRow)
            .where(
                IdeaRow.edition_id == edition_id,
                IdeaRow.status.in_([IdeaStatus.RETAINED.value, IdeaStatus.NOT_RETAINED.value]),
            )
        )
        return int(count or 0)

    async def _changed(self, statement: Any) -> bool:
        """Run an UPDATE or DELETE; whether it changed a row (it may find it changed already)."""
        result = cast(CursorResult[Any], await self.session.execute(statement))
        return bool(result.rowcount)


def _volunteer(row: VolunteerRow, telegram_id: int, language: str) -> Volunteer:
    return Volunteer(
        id=row.id,
        edition_id=row.edition_id,
        citizen_id=row.citizen_id,
        telegram_id=telegram_id,
        language=language,
        district=row.district,
        state=VolunteerState(row.state),
    )


async def put_idea_on_ballot(
    projects: Projects, idea: IdeaRow, cost_cents: int, language: str, now: datetime
) -> Project:
    """The project an idea becomes on the ballot, with its cost after analysis; an idea
    already on it keeps its project, at the new cost."""
    existing = await projects.for_idea(idea.edition_id, idea.id)
    if existing is not None:
        return await projects.set_cost(existing, cost_cents)
    summary = (
        idea.description
        if len(idea.description) <= SUMMARY_MAX
        else idea.description[: SUMMARY_MAX - 1] + "…"
    )
    return await projects.add(
        idea.edition_id,
        {language: idea.title},
        {language: summary},
        cost_cents,
        now,
        idea_id=idea.id,
        district=idea.district,
        theme=idea.theme,
        image=idea.image_file_id,
        place=idea.address,
    )
