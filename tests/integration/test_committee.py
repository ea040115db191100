"""The committee's rules, kept by the database on SQLite and PostgreSQL also when requests come
at once (two bot processes, two devices, two staff members): one view per member and idea,
one volunteer per citizen, an invitation answered once, a reserve volunteer asked once, an
idea decided once."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from budget.sortition import VolunteerState
from storage.committee import CLOSE_ACTION, ClosedList, Committee, edition_subject
from storage.tables import CommitteeVoteRow, IdeaRow, VolunteerRow
from storage.unit_of_work import UnitOfWork
from tests.support.app import ideas_for_the_committee

NOW = datetime(2027, 2, 15, 12, tzinfo=UTC)

Sessionmaker = async_sessionmaker[AsyncSession]
T = TypeVar("T")


async def in_own_work(sessionmaker: Sessionmaker, work: Callable[[Committee], Awaitable[T]]) -> T:
    """One unit of work, as one update of one bot process would have."""
    async with UnitOfWork(sessionmaker) as uow:
        result = await work(uow.committee)
        await uow.commit()
        return result


async def views(sessionmaker: Sessionmaker) -> list[tuple[int, int, bool]]:
    async with sessionmaker() as session:
        rows = await session.scalars(select(CommitteeVoteRow).order_by(CommitteeVoteRow.member))
        return [(row.idea_id, row.member, row.retain) for row in rows]


async def test_two_members_giving_their_view_at_once_make_two_rows(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    [idea] = await ideas_for_the_committee(sessionmaker, edition_id, [("Orchards", 49_548)])
    await asyncio.gather(
        in_own_work(sessionmaker, lambda c: c.vote(idea, 701, True, NOW)),
        in_own_work(sessionmaker, lambda c: c.vote(idea, 702, False, NOW)),
    )
    assert await views(sessionmaker) == [(idea, 701, True), (idea, 702, False)]


async def test_the_same_member_tapping_many_times_at_once_keeps_one_view(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    [idea] = await ideas_for_the_committee(sessionmaker, edition_id, [("Orchards", 49_548)])

    def tap(retain: bool) -> Callable[[Committee], Awaitable[bool | None]]:
        return lambda committee: committee.vote(idea, 701, retain, NOW)

    await asyncio.gather(*(in_own_work(sessionmaker, tap(index % 2 == 0)) for index in range(8)))
    [(_, member, _)] = await views(sessionmaker)
    assert member == 701


async def test_volunteering_twice_at_once_keeps_one_volunteer(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    async with UnitOfWork(sessionmaker) as uow:
        citizen = await uow.citizens.consent(1, "en", None, NOW)
        await uow.commit()

    def join(district: str) -> Callable[[Committee], Awaitable[bool]]:
        return lambda committee: committee.join(edition_id, citizen.id, district, NOW)

    joined = await asyncio.gather(
        *(in_own_work(sessionmaker, join(district)) for district in ("namur", "dinant", "namur"))
    )
    assert sorted(joined) == [False, False, True]
    async with sessionmaker() as session:
        assert len((await session.scalars(select(VolunteerRow))).all()) == 1


async def volunteers(sessionmaker: Sessionmaker, edition_id: int, count: int) -> list[int]:
    """Volunteers of Namur's district, their citizen numbers in order."""
    async with UnitOfWork(sessionmaker) as uow:
        numbers = []
        for telegram_id in range(1, count + 1):
            citizen = await uow.citizens.consent(telegram_id, "en", None, NOW)
            await uow.committee.join(edition_id, citizen.id, "namur", NOW)
            numbers.append(citizen.id)
        await uow.commit()
    return numbers


async def test_an_invitation_answered_from_two_devices_at_once_counts_once(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    [number] = await volunteers(sessionmaker, edition_id, 1)
    await in_own_work(sessionmaker, lambda c: c.ask(edition_id, number))
    invited = await in_own_work(sessionmaker, lambda c: c.volunteer(edition_id, number))
    assert invited is not None

    def answer(accept: bool) -> Callable[[Committee], Awaitable[bool]]:
        return lambda committee: committee.answer(invited.id, accept)

    answers = await asyncio.gather(
        *(in_own_work(sessionmaker, answer(accept)) for accept in (True, False, True, False))
    )
    assert answers.count(True) == 1
    after = await in_own_work(sessionmaker, lambda c: c.volunteer(edition_id, number))
    assert after is not None and after.state in (VolunteerState.ACCEPTED, VolunteerState.REFUSED)


async def test_two_refusals_at_once_ask_two_different_volunteers_of_the_reserve(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    numbers = await volunteers(sessionmaker, edition_id, 5)
    reserve = numbers[2:]
    asked = await asyncio.gather(
        *(in_own_work(sessionmaker, lambda c: c.ask_next(edition_id, reserve)) for _ in range(2))
    )
    assert sorted(v.citizen_id for v in asked if v is not None) == reserve[:2]
    last = await in_own_work(sessionmaker, lambda c: c.ask_next(edition_id, reserve))
    nobody = await in_own_work(sessionmaker, lambda c: c.ask_next(edition_id, reserve))
    assert last is not None and last.citizen_id == reserve[2]
    assert nobody is None


async def test_an_idea_decided_by_two_admins_at_once_is_decided_once(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    [idea] = await ideas_for_the_committee(sessionmaker, edition_id, [("Orchards", 49_548)])
    decided = await asyncio.gather(
        in_own_work(sessionmaker, lambda c: c.decide(idea, True, None)),
        in_own_work(sessionmaker, lambda c: c.decide(idea, False, "tie")),
    )
    assert sorted(decided) == [False, True]
    async with sessionmaker() as session:
        row = await session.get(IdeaRow, idea)
    assert row is not None
    assert (row.status, row.status_reason) in {("retained", None), ("not_retained", "tie")}


async def test_volunteers_joining_while_the_list_is_closed_are_on_it_or_refused(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    """Once the seed is public a volunteer could compute their ticket: the list the draw
    starts from is the one closed, and nobody gets in (or out) unseen by it."""
    async with UnitOfWork(sessionmaker) as uow:
        citizens = [await uow.citizens.consent(n, "en", None, NOW) for n in range(1, 7)]
        await uow.commit()

    async def join(citizen_id: int) -> bool:
        async with UnitOfWork(sessionmaker) as uow:
            if await uow.committee.hold_list(edition_id) is not None:
                return False
            await uow.committee.join(edition_id, citizen_id, "namur", NOW)
            await uow.commit()
            return True

    async def close() -> ClosedList:
        async with UnitOfWork(sessionmaker) as uow:
            assert await uow.committee.hold_list(edition_id) is None
            volunteers = await uow.committee.volunteers(edition_id)
            closed = ClosedList(tuple((v.citizen_id, v.district) for v in volunteers), NOW)
            await uow.audit.record(
                0, CLOSE_ACTION, edition_subject(edition_id), NOW, after=closed.record()
            )
            await uow.commit()
            return closed

    closing = asyncio.ensure_future(close())
    joined = await asyncio.gather(*(join(c.id) for c in citizens))
    closed = await closing
    async with sessionmaker() as session:
        rows = (await session.scalars(select(VolunteerRow))).all()
    assert sorted(row.citizen_id for row in rows) == sorted(n for n, _ in closed.volunteers)
    assert joined.count(True) == len(rows)
    async with UnitOfWork(sessionmaker) as uow:
        stored = await uow.committee.closed_list(edition_id)
    assert stored is not None and stored.volunteers == closed.volunteers
    assert stored.at.replace(tzinfo=UTC) == NOW
