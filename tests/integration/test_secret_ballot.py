"""The ballot is secret in the database too: read whole, as someone who stole it (or a backup)
would, it joins no voter's Telegram id to what they chose; with the key as well, once the vote
is closed, it still does not. See tests/support/ballot_secrecy.py for how the database is read.

Paper ballots entered at a stand are kept the same way: the staff member who entered one
stands for its voter here (their Telegram id is the one the database holds beside it).
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.rehearsal.simulator import Citizen
from budget.eligibility import identity_key
from budget.integrity import IntegrityThresholds, bucket_start
from storage.integrity import Integrity
from storage.tables import ConversationStateRow, IntegrityCountRow, IntegrityNumberRow
from tests.support.app import (
    DURING_VOTE,
    STAFF_ID,
    TEST_SEALER,
    App,
    add_project,
    at_envelope,
    consented,
    identity_of,
    put_projects_on_the_ballot,
)
from tests.support.ballot_secrecy import Dump, dump, open_sealed, reachable, revealed
from tests.support.databases import Snapshot, restore, snapshot
from tests.support.voting import publish

pytestmark = pytest.mark.slow

# Telegram ids as long as real ones: a number that size in a text is someone's id.
FIRST = 987_654_321_001
# Each voter's ballot, by the projects' titles: no two alike, so that each says who cast it.
CHOICES = [
    ["Orchards in the schools", "Repair café in Couvin"],
    ["A cycle lane along the Meuse", "Open-air library"],
    ["Nature trail for the blind", "Youth music studio"],
    ["Repair café in Couvin", "Outdoor fitness in Ciney"],
    ["Open-air library", "Youth music studio", "Repair café in Couvin"],
    # One project alone, by an account that consented minutes before: the integrity alarms
    # count it for that project.
    ["Outdoor fitness in Ciney"],
]
# Paper ballots, each entered at a stand by a staff member of its own, on a Saturday, by the
# citizen's phone number or identity reference.
PAPER = [
    ["A cycle lane along the Meuse", "Orchards in the schools"],
    ["Outdoor fitness in Ciney", "Nature trail for the blind"],
]
PAPER_BY = [("📱 Phone number", "0475 00 00 00"), ("National register number", "75.12.24-801.07")]
STAND_STAFF = 987_654_322_001
STAND_DAY = datetime(2027, 4, 24, 11, tzinfo=ZoneInfo("Europe/Brussels"))


async def cast(citizen: Citizen, titles: list[str]) -> None:
    await citizen.click("📋 Choose projects")
    for title in titles:
        await add_project(citizen, title)
    await citizen.click("🗳 My envelope")
    await citizen.click("✅ Cast my ballot")
    await citizen.click("✅ Yes, cast my ballot")


async def a_vote(app: App) -> dict[int, frozenset[int]]:
    """Voters cast, one changes their ballot, one withdraws theirs, one leaves a change uncast;
    return what each one's ballot holds (Telegram id -> project ids)."""
    people = [await at_envelope(app, FIRST + n) for n in range(len(CHOICES) + 1)]
    for person, titles in zip(people, CHOICES, strict=False):
        await cast(person, titles)
    await cast(people[1], ["Nature trail for the blind"])  # changed: this one counts
    await cast(people[-1], ["Orchards in the schools"])
    await people[-1].click("🗳 My envelope")
    await people[-1].click("🗑 Withdraw my ballot")
    await people[-1].click("🗑 Yes, withdraw it")
    await people[2].click("🗳 My envelope")
    await people[2].click("📋 Choose projects")
    await add_project(people[2], "Orchards in the schools")  # a change, not cast
    await people[2].click("🗳 My envelope")
    held = {ballot.receipt: frozenset(ballot.project_ids) for ballot in await app.ballots()}
    cast_by = {}
    for person in people[:-1]:
        receipts = [
            held_receipt
            for held_receipt in held
            if any(held_receipt in shown.text for shown in person.shown)
        ]
        cast_by[person.user.id] = held[receipts[-1]]
    return cast_by | await paper_ballots(app)


async def paper_ballots(app: App) -> dict[int, frozenset[int]]:
    """Each stand member enters one paper ballot: the ballot, by the member's Telegram id."""
    app.clock.now = STAND_DAY
    admin = await consented(app, STAFF_ID)
    entered = {}
    for n, titles in enumerate(PAPER):
        member = await consented(app, STAND_STAFF + n)
        await admin.send(f"/staff add {member.user.id} stand")
        await member.send("/stand")
        await member.click("Dinant market")
        await member.click("🗳 Paper ballot")
        await member.send(f"PB-{n}")
        by, typed = PAPER_BY[n]
        await member.click(by)
        await member.send(typed)
        for title in titles:
            [label] = [label for label in member.last.labels if title in label]
            await member.click(label)
        await member.click("✅ Record the ballot")
        assert member.shown[-2].text.startswith(f"✅ Ballot PB-{n} recorded.")
        [ballot] = [b for b in await app.ballots() if b.receipt in member.shown[-2].text]
        entered[member.user.id] = frozenset(ballot.project_ids)
    return entered


Ballots = dict[int, frozenset[int]]
# The vote below, built once per database kind in each test process: the tests read it, and
# each starts from the same rows.
_BUILT: dict[str, tuple[Snapshot, Ballots]] = {}


@pytest.fixture
async def ballots(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int, engine: AsyncEngine
) -> Ballots:
    """The vote: what each voter's ballot holds, by their Telegram id."""
    if engine.dialect.name in _BUILT:
        taken, ballots = _BUILT[engine.dialect.name]
        await restore(engine, taken)
        return ballots
    await put_projects_on_the_ballot(sessionmaker, edition_id)
    app = App(sessionmaker)
    app.clock.now = DURING_VOTE
    ballots = await a_vote(app)
    assert len(set(ballots.values())) == len(ballots), "each ballot says who cast it"
    _BUILT[engine.dialect.name] = (await snapshot(engine), ballots)
    return ballots


async def test_during_the_vote_the_database_alone_joins_no_voter_to_their_choice(
    ballots: Ballots, engine: AsyncEngine
) -> None:
    assert revealed(await dump(engine), ballots) == {}


async def test_during_the_vote_the_key_opens_each_voters_own_ballot(
    ballots: Ballots, engine: AsyncEngine
) -> None:
    """As designed: the bot shows voters their ballot and lets them change it, with the key.
    (And the reading of the database finds what is there to find.)"""
    found = await dump(engine)
    open_sealed(found, TEST_SEALER)
    assert revealed(found, ballots) == ballots


async def test_after_the_close_nothing_joins_a_voter_to_a_ballot_even_with_the_key(
    ballots: Ballots,
    engine: AsyncEngine,
    edition_id: int,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    assert await publish(sessionmaker, edition_id) == len(ballots)
    found = await dump(engine)
    # The figures' counters (casts, changes, withdrawals per day and district) are read too.
    assert any(row.table == "tallies" and row.values["tally"] == "vote_cast" for row in found.rows)
    assert revealed(found, ballots) == {}
    open_sealed(found, TEST_SEALER)
    assert revealed(found, ballots) == {}
    published = {row.values["receipt"] for row in found.rows if row.table == "ballots"}
    assert len(published) == len(ballots), "every ballot is in the count, under its receipt"


async def test_a_choice_left_readable_beside_a_voter_would_be_found(
    ballots: Ballots,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """The reading is no formality: an envelope stored in the clear, as before, is caught."""
    telegram_id, ballot = next(iter(ballots.items()))
    async with sessionmaker() as session:
        session.add(
            ConversationStateRow(
                key=f"fsm:1:{telegram_id}:{telegram_id}:notes",
                state=None,
                data={"chosen": sorted(ballot)},
                updated_at=datetime.now(UTC),
                version=1,
            )
        )
        await session.commit()
    assert revealed(await dump(engine), ballots) == {telegram_id: ballot}


async def test_the_integrity_counts_are_read_and_join_no_voter_to_their_choice(
    ballots: Ballots, engine: AsyncEngine
) -> None:
    """Voters new to the bot cast ballots of one project: the alarms count them per project,
    with no time; the first ballots are counted per bucket, by district and link only."""
    found = await dump(engine)
    counted = {
        (row.values["tally"], row.values["item"])
        for row in found.rows
        if row.table == "integrity_counts"
    }
    single = {ballot for ballot in ballots.values() if len(ballot) == 1}
    assert single, "a voter's ballot holds one project"
    assert {("new_single_project", str(next(iter(ballot)))) for ballot in single} <= counted
    assert ("first_ballots_by_district", "namur") in counted
    assert revealed(found, ballots) == {}


async def test_a_count_of_one_project_kept_with_its_time_would_be_found(
    ballots: Ballots,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    edition_id: int,
) -> None:
    """Why the single-project counts keep no time: one per bucket tells what a voter who was
    alone to cast in that bucket chose."""
    telegram_id, ballot = next(item for item in ballots.items() if len(item[1]) == 1)
    async with sessionmaker() as session:
        session.add(
            IntegrityCountRow(
                edition_id=edition_id,
                tally="new_single_project",
                item=str(next(iter(ballot))),
                bucket=bucket_start(DURING_VOTE, IntegrityThresholds()),
                n=1,
            )
        )
        await session.commit()
    assert revealed(await dump(engine), ballots) == {telegram_id: ballot}


async def test_with_the_key_an_accounts_fingerprint_is_recognised(
    ballots: Ballots,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    edition_id: int,
) -> None:
    """The numbers an account tried are kept under a keyed fingerprint of the account: the
    reading recognises it with the key, so that what hangs on it is read as that voter's."""
    telegram_id = next(iter(ballots))
    async with sessionmaker() as session:
        account = Integrity(session, TEST_SEALER).account(telegram_id)
        session.add(IntegrityNumberRow(edition_id=edition_id, account=account, tag="abcd"))
        await session.commit()
    found = await dump(engine)
    [tried] = [row for row in found.rows if row.table == "integrity_numbers"]
    assert tried not in reachable(found, telegram_id)
    open_sealed(found, TEST_SEALER)
    assert tried in reachable(found, telegram_id)
    assert revealed(found, ballots) == ballots


def typed_by_voters() -> set[str]:
    """The identity references and phone numbers typed online and at the stands, as typed and
    as fingerprinted."""
    online = [identity_of(FIRST + n) for n in range(len(CHOICES) + 1)]
    typed = {value for _, value in PAPER_BY} | set(online)
    return typed | {identity_key(value) or value for value in typed} | {"475000000"}


def holding(found: Dump, secret: str) -> list[str]:
    return [
        row.table
        for row in found.rows
        if secret in str(row.values) or any(secret in str(item) for item in row.read)
    ]


async def test_no_identity_reference_nor_number_is_kept_in_clear_even_with_the_key(
    ballots: Ballots,
    engine: AsyncEngine,
    sessionmaker: async_sessionmaker[AsyncSession],
    edition_id: int,
) -> None:
    """Online voters typed their national register number, a stand took one: the database,
    opened with the key, holds none of them, and their fingerprints only on the voters' rows
    (not in a conversation state), until the close erases them."""
    found = await dump(engine)
    open_sealed(found, TEST_SEALER)
    for secret in typed_by_voters():
        assert holding(found, secret) == [], secret
    fingerprints = [
        row.values["identity_hash"]
        for row in found.rows
        if row.table == "voters" and row.values["identity_hash"]
    ]
    assert len(fingerprints) == len(CHOICES) + 2, "each online voter, and the paper one"
    for fingerprint in fingerprints:
        assert holding(found, fingerprint) == ["voters"]

    await publish(sessionmaker, edition_id)
    found = await dump(engine)
    open_sealed(found, TEST_SEALER)
    for secret in [*typed_by_voters(), *fingerprints]:
        assert holding(found, secret) == [], secret
