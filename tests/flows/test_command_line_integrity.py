"""Staff read the integrity alarms from the command line and mark one as looked at."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from budget.integrity import Alarm, AlarmKind
from storage.database import create_engine, create_sessionmaker
from storage.unit_of_work import UnitOfWork
from tests.support.command_line import pbbot

AT = datetime(2027, 4, 18, 12, 20, tzinfo=UTC)


def raise_alarm(database: Path) -> None:
    """A burst of first ballots from the poster's link, as the bot's check would keep it."""
    alarm = Alarm(
        kind=AlarmKind.SOURCE_BURST,
        key="poster",
        start=AT,
        end=AT + timedelta(minutes=65),
        observed=281,
        expected=4.4,
        total=297,
        first_seen=AT + timedelta(minutes=20),
        last_seen=AT + timedelta(minutes=65),
        identity="source_burst/poster/2027-04-18T12:40Z",
    )

    async def write() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{database}")
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            stored = await uow.editions.current(None)
            assert stored is not None
            assert await uow.integrity.keep(stored.id, alarm) == 1
            await uow.commit()
        await engine.dispose()

    asyncio.run(write())


def test_staff_read_the_alarms_and_mark_one_as_looked_at(edition_dir: Path) -> None:
    assert pbbot("integrity", "report") == (0, "No integrity alarm has been raised.\n")
    raise_alarm(edition_dir / "pbbot.db")
    code, output = pbbot("integrity", "report")
    assert code == 0
    assert output.splitlines() == [
        "  1  source_burst  raised 2027-04-18 12:40 UTC  not looked at yet",
        "     281 first ballots came through the link poster on 18 April 2027 between 14:20 "
        "and 15:25, out of 297 first ballots in that time; its usual share would have "
        "brought about 4. Bought votes often come through one link.",
    ]
    code, output = pbbot("integrity", "report", "--lang", "fr")
    assert "281 premiers bulletins sont arrivés par le lien poster le 18 avril 2027" in output

    assert pbbot("integrity", "ack", "1", "--staff", "900001") == (
        0,
        "Alarm no. 1 marked as looked at (written in the audit log).\n",
    )
    assert pbbot("integrity", "ack", "1") == (
        0,
        "Alarm no. 1 was already marked as looked at.\n",
    )
    code, output = pbbot("integrity", "report")
    assert "looked at by 900001 (" in output.splitlines()[0]
    code, output = pbbot("audit", "show")
    [entry] = [line for line in output.splitlines() if "integrity_alarm_looked_at" in line]
    assert "900001" in entry and "integrity_alarm:1" in entry

    code, output = pbbot("integrity", "ack", "7")
    assert (code, output) == (2, "pbbot: there is no integrity alarm no. 7\n")
