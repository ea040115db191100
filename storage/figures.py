"""The campaign in figures (budget/figures.py), read from the database: counts and sums
only, never what anyone chose. Days are the edition's."""

from collections import Counter
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from budget.edition import Edition
from budget.figures import NONE, DistrictTurnout, Figures, SourceFigures, Tally, ballots_held
from storage.tables import CitizenRow, FollowUpRow, IdeaRow, SupportRow, VoterRow
from storage.tallies import Tallies
from storage.voting import Voting


class FigureQueries:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def read(self, edition: Edition, edition_id: int, since: date | None) -> Figures:
        start = datetime.combine(since, time(), edition.zone) if since else None

        def after(column: Any) -> Any:
            return column >= start if start is not None else column.is_not(None)

        citizens = list(
            await self.session.execute(
                select(CitizenRow.consented_at, CitizenRow.language, CitizenRow.source).where(
                    after(CitizenRow.consented_at)
                )
            )
        )
        by_day = Counter(moment.astimezone(edition.zone).date() for moment, _, _ in citizens)
        by_source = Counter(source or NONE for _, _, source in citizens)

        ideas = list(
            await self.session.execute(
                select(IdeaRow.status, IdeaRow.theme, IdeaRow.district, CitizenRow.source)
                .join(CitizenRow, CitizenRow.id == IdeaRow.citizen_id)
                .where(IdeaRow.edition_id == edition_id, after(IdeaRow.submitted_at))
            )
        )
        of_edition = select(IdeaRow.id).where(IdeaRow.edition_id == edition_id)
        supports = await self.session.scalar(
            select(func.count())
            .select_from(SupportRow)
            .where(SupportRow.idea_id.in_(of_edition), after(SupportRow.at))
        )
        follow_ups: dict[str, tuple[int, int]] = {}
        for questionnaire, sent_at, answered_at in await self.session.execute(
            select(FollowUpRow.questionnaire, FollowUpRow.sent_at, FollowUpRow.answered_at).where(
                FollowUpRow.idea_id.in_(of_edition)
            )
        ):
            sent, answered = follow_ups.get(questionnaire, (0, 0))
            sent += start is None or sent_at >= start
            answered += answered_at is not None and (start is None or answered_at >= start)
            follow_ups[questionnaire] = (sent, answered)

        voters = Counter(
            district or NONE
            for district in await self.session.scalars(
                select(VoterRow.district).where(
                    VoterRow.edition_id == edition_id, after(VoterRow.registered_at)
                )
            )
        )
        # Ballots are counted as they stand, whatever `since`: a ballot is held or not.
        every_count = await Tallies(self.session).counts(edition_id)
        held_in = ballots_held(every_count, by="district")
        held_from = ballots_held(every_count, by="source")
        populations = {district.code: district.population for district in edition.districts}
        codes = [*populations, *sorted((set(voters) | set(held_in)) - set(populations))]
        turnout = tuple(
            DistrictTurnout(code, voters.get(code, 0), held_in.get(code, 0), populations.get(code))
            for code in codes
        )
        funnel: Counter[Tally] = Counter()
        for count in every_count:
            if since is None or count.day >= since:
                funnel[count.tally] += count.count

        ideas_from = Counter(source or NONE for *_, source in ideas)
        sources = {
            source: SourceFigures(
                by_source.get(source, 0), ideas_from.get(source, 0), held_from.get(source, 0)
            )
            for source in sorted(set(by_source) | set(ideas_from) | set(held_from))
        }
        return Figures(
            since=since,
            participants=len(citizens),
            by_language=dict(Counter(language for _, language, _ in citizens).most_common()),
            by_source=dict(by_source.most_common()),
            by_day=dict(sorted(by_day.items())),
            ideas=len(ideas),
            ideas_by_status=dict(Counter(status for status, *_ in ideas).most_common()),
            ideas_by_theme=dict(Counter(theme or NONE for _, theme, *_ in ideas).most_common()),
            ideas_by_district=dict(
                Counter(district or NONE for _, _, district, _ in ideas).most_common()
            ),
            supports=int(supports or 0),
            follow_ups=dict(sorted(follow_ups.items())),
            voters=sum(voters.values()),
            ballots=await Voting(self.session).turnout(edition_id),
            turnout=turnout,
            funnel=dict(funnel),
            sources=sources,
        )

    async def ideas(self, edition_id: int) -> list[dict[str, Any]]:
        """Each idea of the edition as staff export it: what the idea is and where it stands,
        with its number of supports; nothing of its author."""
        counted = await self.session.execute(
            select(SupportRow.idea_id, func.count())
            .join(IdeaRow, IdeaRow.id == SupportRow.idea_id)
            .where(IdeaRow.edition_id == edition_id)
            .group_by(SupportRow.idea_id)
        )
        supports = {idea_id: int(count) for idea_id, count in counted}
        rows = await self.session.scalars(
            select(IdeaRow).where(IdeaRow.edition_id == edition_id).order_by(IdeaRow.id)
        )
        return [
            {
                "number": row.id,
                "status": row.status,
                "title": row.title,
                "theme": row.theme,
                "district": row.district or "",
                "budget_cents": row.budget_cents,
                "cost_after_analysis_cents": row.analysed_cost_cents,
                "feasible": row.feasible,
                "supports": supports.get(row.id, 0),
                "submitted_at": row.submitted_at,
                "published_at": row.published_at,
            }
            for row in rows
        ]

    async def per_day(self, edition: Edition, edition_id: int) -> dict[date, dict[str, int]]:
        """For each day something happened: new participants, ideas submitted, supports
        given, and each step counted (budget.figures.Tally)."""
        days: dict[date, Counter[str]] = {}

        def add(moment: datetime | date, what: str, count: int = 1) -> None:
            day = moment.astimezone(edition.zone).date() if isinstance(moment, datetime) else moment
            days.setdefault(day, Counter())[what] += count

        for (moment,) in await self.session.execute(select(CitizenRow.consented_at)):
            add(moment, "participants")
        for (moment,) in await self.session.execute(
            select(IdeaRow.submitted_at).where(IdeaRow.edition_id == edition_id)
        ):
            add(moment, "ideas")
        for (moment,) in await self.session.execute(
            select(SupportRow.at)
            .join(IdeaRow, IdeaRow.id == SupportRow.idea_id)
            .where(IdeaRow.edition_id == edition_id)
        ):
            add(moment, "supports")
        for count in await Tallies(self.session).counts(edition_id):
            add(count.day, count.tally.value, count.count)
        return {day: dict(days[day]) for day in sorted(days)}
