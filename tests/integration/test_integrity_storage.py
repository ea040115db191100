"""The integrity counts and alarms on both databases: counts add up per item and bucket, a
number tried twice counts once, an alarm is new once whichever process writes it."""

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from budget.integrity import Alarm, AlarmKind, Count, IntegrityThresholds, IntegrityWatch, Tally
from storage.unit_of_work import UnitOfWork
from tests.support.app import TEST_SEALER

AT = datetime(2027, 4, 20, 10, tzinfo=UTC)


async def test_counts_add_up_and_accounts_with_few_numbers_are_left_out(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> None:
    async with UnitOfWork(sessionmaker, sealer=TEST_SEALER) as uow:
        integrity = uow.integrity
        busy, quiet = integrity.account(987_654_321_001), integrity.account(987_654_321_002)
        assert busy != quiet and "987654321" not in busy
        for digit in range(5):
            assert await integrity.tried(edition_id, busy, integrity.tag(f"3247012340{digit}"))
        assert not await integrity.tried(edition_id, busy, integrity.tag("32470123400"))
        await integrity.add(
            edition_id,
            [
                *[Count(Tally.NUMBERS_BY_ACCOUNT, busy, AT) for _ in range(5)],
                Count(Tally.NUMBERS_BY_ACCOUNT, quiet, AT),
                Count(Tally.FIRST_BALLOTS_BY_SOURCE, "poster", AT),
                Count(Tally.FIRST_BALLOTS_BY_SOURCE, "poster", AT),
                Count(Tally.FIRST_BALLOTS_BY_SOURCE, "poster", AT - timedelta(days=30)),
                Count(Tally.NEW_SINGLE_PROJECT, "7", None),
                Count(Tally.NEW_SINGLE_PROJECT, "7", None),
            ],
        )
        await uow.commit()
    watch = IntegrityWatch(IntegrityThresholds())
    async with UnitOfWork(sessionmaker, sealer=TEST_SEALER) as uow:
        counts = await uow.integrity.counts(edition_id, watch.reads_since(AT), 5)
    assert sorted(counts, key=lambda count: (count.tally, count.key)) == [
        Count(Tally.FIRST_BALLOTS_BY_SOURCE, "poster", AT, 2),
        Count(Tally.NEW_SINGLE_PROJECT, "7", None, 2),
        Count(Tally.NUMBERS_BY_ACCOUNT, busy, AT, 5),
    ]


async def test_an_alarm_is_new_once_and_then_kept_up_to_date(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> None:
    alarm = Alarm(
        kind=AlarmKind.SINGLE_PROJECT_WAVE,
        key="7",
        start=AT,
        end=AT + timedelta(minutes=20),
        observed=40,
        expected=1.5,
        total=44,
        first_seen=AT + timedelta(minutes=20),
        last_seen=AT + timedelta(minutes=20),
        identity="single_project_wave/7/2027-04-20T10:20Z",
    )
    grown = Alarm(**{**vars(alarm), "observed": 90, "last_seen": AT + timedelta(minutes=40)})
    async with UnitOfWork(sessionmaker) as uow:
        alarm_id = await uow.integrity.keep(edition_id, alarm)
        assert alarm_id is not None
        assert await uow.integrity.keep(edition_id, grown) is None
        await uow.commit()
    async with UnitOfWork(sessionmaker) as uow:
        [kept] = await uow.integrity.alarms(edition_id)
        assert (kept.id, kept.alarm, kept.acked_at) == (alarm_id, grown, None)
        assert await uow.integrity.acknowledge(alarm_id, 900_001, AT + timedelta(hours=1))
        assert not await uow.integrity.acknowledge(alarm_id, 900_002, AT + timedelta(hours=2))
        await uow.commit()
    async with UnitOfWork(sessionmaker) as uow:
        looked = await uow.integrity.alarm(alarm_id)
    assert looked is not None and looked.acked_by == 900_001
