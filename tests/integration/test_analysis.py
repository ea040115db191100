"""The analysis's rules, kept by the database on SQLite and PostgreSQL, also when analysts act
at once (as from several bot processes): a decision is taken once, a merge happens once and
never both ways, a citizen who supported both merged ideas keeps one support."""

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from budget.ideas import IdeaStatus
from storage.analysis import Change, Merged, MergeRefused
from storage.tables import IdeaRow, SupportRow
from storage.unit_of_work import UnitOfWork
from tests.support.app import idea_supported_by

Sessionmaker = async_sessionmaker[AsyncSession]
JUDGED_FROM = {IdeaStatus.PUBLISHED, IdeaStatus.UNDER_ANALYSIS, IdeaStatus.NOT_FEASIBLE}
MERGED_FROM = {IdeaStatus.PUBLISHED, IdeaStatus.UNDER_ANALYSIS}
PUBLISHED = (IdeaStatus.PUBLISHED, None)


async def judge(
    sessionmaker: Sessionmaker, edition_id: int, idea: int, feasible: bool
) -> Change | None:
    async with UnitOfWork(sessionmaker) as uow:
        change = await uow.analysis.judge(
            edition_id, idea, PUBLISHED, feasible, None if feasible else "Too dear.", JUDGED_FROM
        )
        await uow.commit()
    return change


async def merge(
    sessionmaker: Sessionmaker, edition_id: int, absorbed: int, kept: int
) -> Merged | MergeRefused:
    async with UnitOfWork(sessionmaker) as uow:
        outcome = await uow.analysis.merge(edition_id, absorbed, kept, MERGED_FROM)
        await uow.commit()
    return outcome


async def ideas(sessionmaker: Sessionmaker) -> dict[int, IdeaRow]:
    async with sessionmaker() as session:
        return {row.id: row for row in await session.scalars(select(IdeaRow))}


async def supports(sessionmaker: Sessionmaker) -> list[tuple[int, int]]:
    async with sessionmaker() as session:
        rows = await session.execute(select(SupportRow.idea_id, SupportRow.citizen_id))
        return sorted((idea, citizen) for idea, citizen in rows)


async def test_analysts_deciding_at_once_decide_once(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    idea = await idea_supported_by(sessionmaker, edition_id, 1, "Orchard", "Apple trees.")
    verdicts = [True, False, True, False, True, False]
    changes = await asyncio.gather(
        *(judge(sessionmaker, edition_id, idea, verdict) for verdict in verdicts)
    )
    done = [change for change in changes if change is not None]
    assert len(done) == 1
    row = (await ideas(sessionmaker))[idea]
    assert row.status == done[0].after["status"]
    assert row.feasible is done[0].after["feasible"]


async def test_a_decision_needs_the_status_seen_and_an_allowed_one(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    waiting = await idea_supported_by(
        sessionmaker, edition_id, 1, "Orchard", "Apple trees.", status="submitted"
    )
    published = await idea_supported_by(sessionmaker, edition_id, 2, "Lane", "A cycle lane.")
    async with UnitOfWork(sessionmaker) as uow:
        seen_submitted = (IdeaStatus.SUBMITTED, None)
        assert (
            await uow.analysis.judge(edition_id, waiting, seen_submitted, True, None, JUDGED_FROM)
            is None
        )
        seen_otherwise = (IdeaStatus.UNDER_ANALYSIS, None)
        assert (
            await uow.analysis.judge(edition_id, published, seen_otherwise, True, None, JUDGED_FROM)
            is None
        )
        assert (
            await uow.analysis.judge(edition_id + 1, published, PUBLISHED, True, None, JUDGED_FROM)
            is None
        )
        change = await uow.analysis.judge(
            edition_id, published, PUBLISHED, False, "Private land.", JUDGED_FROM
        )
        await uow.commit()
    assert change == Change(
        {"status": "published", "feasible": None, "status_reason": None},
        {"status": "not_feasible", "feasible": False, "status_reason": "Private land."},
    )
    rows = await ideas(sessionmaker)
    assert rows[waiting].status == "submitted"
    assert (rows[published].status, rows[published].status_reason) == (
        "not_feasible",
        "Private land.",
    )


async def test_a_value_is_replaced_only_as_it_was_read(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    idea = await idea_supported_by(sessionmaker, edition_id, 1, "Orchard", "Apple trees.")
    async with UnitOfWork(sessionmaker) as uow:
        first = await uow.analysis.set_cost(edition_id, idea, 40_000_00)
        second = await uow.analysis.set_cost(edition_id, idea, 48_000_00)
        notes = await uow.analysis.set_notes(edition_id, idea, "Ask the town.")
        elsewhere = await uow.analysis.set_notes(edition_id + 1, idea, "Wrong edition.")
        await uow.commit()
    assert first == Change({"analysed_cost_cents": None}, {"analysed_cost_cents": 40_000_00})
    assert second == Change({"analysed_cost_cents": 40_000_00}, {"analysed_cost_cents": 48_000_00})
    assert notes == Change({"staff_notes": None}, {"staff_notes": "Ask the town."})
    assert elsewhere is None
    row = (await ideas(sessionmaker))[idea]
    assert (row.analysed_cost_cents, row.staff_notes) == (48_000_00, "Ask the town.")


async def test_merging_moves_the_supports_and_a_citizen_who_supported_both_counts_once(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    kept = await idea_supported_by(
        sessionmaker, edition_id, 1, "Orchard", "Apple trees.", supporters=(11, 12)
    )
    absorbed = await idea_supported_by(
        sessionmaker, edition_id, 2, "Orchards", "Pear trees.", supporters=(12, 13, 14)
    )
    earlier = await idea_supported_by(
        sessionmaker, edition_id, 3, "Fruit", "Fruit trees.", supporters=(15,), status="merged"
    )
    async with UnitOfWork(sessionmaker) as uow:
        row = await uow.analysis.idea(edition_id, earlier)
        assert row is not None
        row.merged_into_id = absorbed
        await uow.commit()
    outcome = await merge(sessionmaker, edition_id, absorbed, kept)
    assert outcome == Merged(absorbed, kept, IdeaStatus.PUBLISHED, 2, 1, (earlier,))
    rows = await ideas(sessionmaker)
    assert (rows[absorbed].status, rows[absorbed].merged_into_id) == ("merged", kept)
    assert rows[earlier].merged_into_id == kept, "no chain of merges to follow"
    on_kept = [citizen for idea, citizen in await supports(sessionmaker) if idea == kept]
    assert len(on_kept) == len(set(on_kept)) == 4
    async with UnitOfWork(sessionmaker) as uow:
        assert await uow.analysis.supports(kept) == 4
        assert await uow.analysis.supports(absorbed) == 0
        assert await uow.analysis.merged_here(kept) == (absorbed, earlier)


async def test_two_opposite_merges_at_once_make_one_merge_and_no_cycle(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    one = await idea_supported_by(sessionmaker, edition_id, 1, "Orchard", "Apple trees.", (11,))
    other = await idea_supported_by(sessionmaker, edition_id, 2, "Orchards", "Pears.", (11, 12))
    attempts = [(one, other), (other, one)] * 3
    outcomes = await asyncio.gather(
        *(merge(sessionmaker, edition_id, absorbed, kept) for absorbed, kept in attempts)
    )
    merged = [outcome for outcome in outcomes if isinstance(outcome, Merged)]
    assert len(merged) == 1
    refused = {outcome.reason for outcome in outcomes if isinstance(outcome, MergeRefused)}
    assert refused <= {"already_merged", "kept_merged"}
    rows = await ideas(sessionmaker)
    assert sorted(row.status for row in rows.values()) == ["merged", "published"]
    survivor = merged[0].kept
    assert [idea for idea, _ in await supports(sessionmaker)] == [survivor, survivor]


async def test_a_merge_that_cannot_be_is_refused_and_changes_nothing(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    published = await idea_supported_by(sessionmaker, edition_id, 1, "Orchard", "Apples.")
    dropped = await idea_supported_by(
        sessionmaker, edition_id, 2, "Zoo", "A zoo.", status="not_feasible"
    )
    assert await merge(sessionmaker, edition_id, published, published) == MergeRefused(
        "same", published
    )
    assert await merge(sessionmaker, edition_id, published, 999_999) == MergeRefused(
        "unknown", 999_999
    )
    assert await merge(sessionmaker, edition_id + 1, published, dropped) == MergeRefused(
        "unknown", published
    )
    assert await merge(sessionmaker, edition_id, published, dropped) == MergeRefused(
        "not_mergeable", dropped, status=IdeaStatus.NOT_FEASIBLE
    )
    assert {row.status for row in (await ideas(sessionmaker)).values()} == {
        "published",
        "not_feasible",
    }


async def test_look_alike_texts_and_summaries_of_the_edition(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    orchard = await idea_supported_by(
        sessionmaker, edition_id, 1, "Orchard", "Apple trees.", supporters=(11, 12)
    )
    await idea_supported_by(sessionmaker, edition_id, 2, "Zoo", "A zoo.", status="not_feasible")
    async with UnitOfWork(sessionmaker) as uow:
        texts = await uow.analysis.texts(edition_id, MERGED_FROM)
        summaries = await uow.analysis.summaries(edition_id, [orchard, 999])
        await uow.audit.record(1, "merge_dismissed", "ideas:3+12", datetime.now(UTC))
        await uow.commit()
    assert texts == [(orchard, "Orchard. Apple trees.")]
    assert list(summaries) == [orchard]
    assert summaries[orchard].supports == 2
    async with UnitOfWork(sessionmaker) as uow:
        assert await uow.analysis.dismissed() == {(3, 12)}
