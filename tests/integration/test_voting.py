"""The rules of the vote, kept by the database on SQLite and PostgreSQL, also when requests
come at once (as from several bot processes)."""

import asyncio

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from budget.ballot import BallotError
from storage.tables import BallotItemRow, BallotRow, VoterRow
from storage.unit_of_work import UnitOfWork
from storage.voting import PhoneAlreadyUsed, Voter
from tests.support.app import TEST_SEALER
from tests.support.voting import (
    ENVELOPE,
    NOW,
    ballot_of,
    cast,
    on_ballot,
    publish,
    registered,
)

Sessionmaker = async_sessionmaker[AsyncSession]


async def test_a_ballot_holds_each_project_once_and_casting_again_replaces_it(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    projects = await on_ballot(sessionmaker, edition_id)
    voter = await registered(sessionmaker, edition_id, 1)
    first, second = projects[0].id, projects[2].id
    await cast(sessionmaker, edition_id, voter, [first, first, second], projects)
    await cast(sessionmaker, edition_id, voter, [second], projects)
    async with UnitOfWork(sessionmaker, sealer=TEST_SEALER) as uow:
        ballot = await uow.voting.ballot(edition_id, voter)
        votes = await uow.voting.votes(edition_id)
    assert ballot is not None
    assert (ballot.project_ids, ballot.version) == ((second,), 2)
    assert votes == {second: 1}


@pytest.mark.parametrize(
    ("choose", "reason"),
    [
        (lambda projects: [p.id for p in projects], "over_envelope"),
        (lambda projects: [999_999], "unknown_project"),
        (lambda projects: [], "empty"),
    ],
)
async def test_a_ballot_that_breaks_a_rule_is_refused(
    sessionmaker: Sessionmaker, edition_id: int, choose: object, reason: str
) -> None:
    projects = await on_ballot(sessionmaker, edition_id)
    voter = await registered(sessionmaker, edition_id, 1)
    with pytest.raises(BallotError) as refused:
        await cast(sessionmaker, edition_id, voter, choose(projects), projects)  # type: ignore[operator]
    assert refused.value.reason == reason
    assert await ballot_of(sessionmaker, edition_id, voter) is None


async def test_the_database_itself_refuses_an_overspent_published_ballot_or_a_project_twice(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    projects = await on_ballot(sessionmaker, edition_id)
    row = {"edition_id": edition_id, "envelope_cents": ENVELOPE, "receipt": "AAA-AAA"}
    async with sessionmaker() as session:
        with pytest.raises(IntegrityError):
            await session.execute(
                insert(BallotRow).values(**row, id="a" * 32, total_cents=ENVELOPE + 1)
            )
    async with sessionmaker() as session:
        await session.execute(insert(BallotRow).values(**row, id="b" * 32, total_cents=100))
        with pytest.raises(IntegrityError):  # the same receipt twice in one edition
            await session.execute(insert(BallotRow).values(**row, id="c" * 32, total_cents=100))
    async with sessionmaker() as session:
        await session.execute(insert(BallotRow).values(**row, id="d" * 32, total_cents=100))
        await session.execute(
            insert(BallotItemRow).values(ballot_id="d" * 32, project_id=projects[0].id)
        )
        with pytest.raises(IntegrityError):
            await session.execute(
                insert(BallotItemRow).values(ballot_id="d" * 32, project_id=projects[0].id)
            )


async def test_casting_at_once_many_times_leaves_one_consistent_ballot(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    projects = await on_ballot(sessionmaker, edition_id)
    voter = await registered(sessionmaker, edition_id, 1)
    choices = [
        [projects[n % len(projects)].id, projects[(n + 1) % len(projects)].id] for n in range(12)
    ]
    results = await asyncio.gather(
        *(cast(sessionmaker, edition_id, voter, ids, projects) for ids in choices),
        return_exceptions=True,
    )
    succeeded = [result for result in results if not isinstance(result, BaseException)]
    refused = [result for result in results if isinstance(result, BaseException)]
    assert all(isinstance(error, BallotError) for error in refused), refused
    ballot = await ballot_of(sessionmaker, edition_id, voter)
    assert ballot is not None and ballot.total_cents <= ENVELOPE
    assert len(ballot.project_ids) == 2
    assert ballot.version == len(succeeded), "each cast counted once, none lost"
    assert await publish(sessionmaker, edition_id) == 1, "one ballot per voter"


async def test_one_ballot_per_phone_number_even_when_two_accounts_register_at_once(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    async def attempt(telegram_id: int) -> Voter | BaseException:
        try:
            return await registered(sessionmaker, edition_id, telegram_id, phone="hash-of-0470")
        except PhoneAlreadyUsed as error:
            return error

    outcomes = await asyncio.gather(*(attempt(telegram_id) for telegram_id in (1, 2, 3)))
    assert sum(isinstance(outcome, Voter) for outcome in outcomes) == 1
    assert sum(isinstance(outcome, PhoneAlreadyUsed) for outcome in outcomes) == 2


async def test_one_voter_per_identity_reference_online_or_on_paper_even_at_once(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    async def attempt(telegram_id: int) -> Voter | BaseException:
        try:
            return await registered(
                sessionmaker, edition_id, telegram_id, identity="hash-of-85073003361"
            )
        except PhoneAlreadyUsed as error:
            return error

    outcomes = await asyncio.gather(*(attempt(telegram_id) for telegram_id in (1, 2, 3)))
    assert sum(isinstance(outcome, Voter) for outcome in outcomes) == 1
    refused = [outcome for outcome in outcomes if isinstance(outcome, PhoneAlreadyUsed)]
    assert [(error.identity, error.at_stand) for error in refused] == [(True, False)] * 2
    async with UnitOfWork(sessionmaker) as uow:
        with pytest.raises(PhoneAlreadyUsed) as online:
            await uow.voting.register_paper(edition_id, "dinant", None, "hash-of-85073003361", NOW)
        await uow.voting.register_paper(edition_id, "dinant", None, "hash-of-90020112345", NOW)
        await uow.commit()
    assert (online.value.identity, online.value.at_stand) == (True, False)
    with pytest.raises(PhoneAlreadyUsed) as paper:
        await registered(sessionmaker, edition_id, 4, identity="hash-of-90020112345")
    assert (paper.value.identity, paper.value.at_stand) == (True, True)


async def test_the_same_citizen_registered_twice_at_once_is_one_voter_not_a_phone_refusal(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    """Two processes handling the same tap: the second registration meets the first on the
    citizen's own key, which is no phone number already used (none was asked)."""
    async with UnitOfWork(sessionmaker) as uow:
        citizen = await uow.citizens.consent(7, "fr", None, NOW)
        await uow.commit()

    async def attempt() -> Voter:
        async with UnitOfWork(sessionmaker) as uow:
            voter = await uow.voting.register(edition_id, citizen.id, "namur", None, NOW)
            await asyncio.sleep(0.05)  # both have written before either commits
            await uow.commit()
            return voter

    first, second = await asyncio.gather(attempt(), attempt())
    assert first == second
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(VoterRow)) == 1


async def test_identical_ballots_are_counted_together_before_and_after_the_close(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    """The results read each distinct ballot once with how many cast it: before the close from
    the sealed ballots, after it grouped by the database; both agree with the ballots."""
    projects = await on_ballot(sessionmaker, edition_id)
    a, b, c = (project.id for project in projects[:3])
    choices = [[a, b], [b, a], [a, b], [c], [c], [a]]
    for telegram_id, ids in enumerate(choices, start=1):
        voter = await registered(sessionmaker, edition_id, telegram_id)
        await cast(sessionmaker, edition_id, voter, ids, projects)
    expected = {tuple(sorted((a, b))): 3, (c,): 2, (a,): 1}
    async with UnitOfWork(sessionmaker, sealer=TEST_SEALER) as uow:
        sealed = dict(await uow.voting.ballot_groups(edition_id))
    assert sealed == expected
    await publish(sessionmaker, edition_id)
    async with UnitOfWork(sessionmaker) as uow:
        published = dict(await uow.voting.ballot_groups(edition_id))
        one_by_one = await uow.voting.published_ballots(edition_id)
    assert published == expected
    assert sorted(sorted(ballot.project_ids) for ballot in one_by_one) == sorted(
        sorted(ids) for ids in choices
    )


async def test_published_ballots_are_grouped_empty_ones_and_many_digit_ids_included(
    sessionmaker: Sessionmaker, edition_id: int
) -> None:
    """Published ballots as an edition that allows an empty envelope has them, read grouped
    by the database in one text: each distinct ballot once, however its ids are written."""
    stored = {"": 2, "7": 1, "12,345678": 3, "3,40,41": 1}
    rows = [
        {
            "id": f"{n:032x}",
            "edition_id": edition_id,
            "envelope_cents": ENVELOPE,
            "total_cents": 0,
            "receipt": f"R{n:05d}",
            "project_ids": ids,
        }
        for n, ids in enumerate(ids for ids, times in stored.items() for _ in range(times))
    ]
    async with sessionmaker() as session, session.begin():
        await session.execute(insert(BallotRow), rows)
    await publish(sessionmaker, edition_id)
    async with UnitOfWork(sessionmaker) as uow:
        groups = dict(await uow.voting.ballot_groups(edition_id))
    assert groups == {(): 2, (7,): 1, (12, 345678): 3, (3, 40, 41): 1}
