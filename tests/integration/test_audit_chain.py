"""The audit log is a hash chain on SQLite and PostgreSQL: entries written at once by several
processes never fork it, and an entry changed, removed or moved afterwards, or the whole chain
written anew, is found by the check."""

import asyncio
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from budget.audit_chain import GENESIS, Break, Entry, Fault, Verdict
from storage.database import create_engine, create_sessionmaker, is_sqlite
from storage.migrate import downgrade, upgrade
from storage.tables import AuditRow
from storage.unit_of_work import UnitOfWork

Sessionmaker = async_sessionmaker[AsyncSession]
NOW = datetime(2027, 2, 15, 11, 0, 0, 123456, tzinfo=UTC)


async def record(sessionmaker: Sessionmaker, count: int, actor: int = 700) -> None:
    """`count` entries, one unit of work each, as staff actions one after the other."""
    for number in range(1, count + 1):
        async with UnitOfWork(sessionmaker) as uow:
            await uow.audit.record(
                actor,
                "idea_published",
                f"idea:{number}",
                NOW,
                before={"status": "submitted"},
                after={"status": "published"},
            )
            await uow.commit()


async def verify(sessionmaker: Sessionmaker, noted: str | None = None) -> Verdict:
    async with UnitOfWork(sessionmaker) as uow:
        return await uow.audit.verify(noted)


async def rows(sessionmaker: Sessionmaker) -> list[AuditRow]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(AuditRow).order_by(AuditRow.sequence)))


async def tamper(engine: AsyncEngine, *statements: str) -> None:
    """What someone holding the database could do to it, behind the bot's back."""
    async with engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))


async def test_entries_are_chained_and_read_back_as_they_were_sealed(
    sessionmaker: Sessionmaker,
) -> None:
    brussels = datetime(2027, 2, 15, 12, 30, 5, 654321, tzinfo=ZoneInfo("Europe/Brussels"))
    awkward: dict[str, Any] = {
        "reason": "Élodie's café ☕ <b>closed</b>\x00",
        "numbers": (1, 2.5, -3),
        "nested": {"b": None, "a": [True, False]},
    }
    async with UnitOfWork(sessionmaker) as uow:
        await uow.audit.record(1, "staff_add", "member:42", NOW, after={"role": "moderator"})
        await uow.audit.record(2, "idea_rejected", "idea:" + "9" * 80, brussels, before=awkward)
        await uow.commit()
    await record(sessionmaker, 1)

    entries = await rows(sessionmaker)
    assert [entry.sequence for entry in entries] == [1, 2, 3]
    assert entries[0].previous_hash == GENESIS
    assert [entry.previous_hash for entry in entries[1:]] == [e.hash for e in entries[:-1]]
    assert len({entry.hash for entry in entries}) == 3
    assert entries[1].before is not None and entries[1].before["reason"].endswith("</b>")
    verdict = await verify(sessionmaker)
    assert verdict.intact
    assert verdict.head is not None
    assert (verdict.head.count, verdict.head.hash) == (3, entries[-1].hash)


async def test_an_empty_log_is_intact_with_no_head(sessionmaker: Sessionmaker) -> None:
    verdict = await verify(sessionmaker)
    assert (verdict.intact, verdict.head, verdict.broken) == (True, None, None)


async def test_entries_written_at_once_by_two_processes_never_fork_the_chain(
    database_url: str, sessionmaker: Sessionmaker
) -> None:
    # Two bot processes share PostgreSQL; on SQLite the bot runs as one process, whose one
    # connection takes the units of work one at a time.
    second = None if is_sqlite(database_url) else create_engine(database_url)
    makers = [sessionmaker, create_sessionmaker(second) if second else sessionmaker]
    appenders = 10
    together = asyncio.Barrier(appenders)

    async def append(number: int) -> None:
        await together.wait()
        async with UnitOfWork(makers[number % 2]) as uow:
            await uow.audit.record(number, "staff_add", f"member:{number}", NOW)
            await uow.audit.record(number, "staff_remove", f"member:{number}", NOW)
            await uow.commit()

    try:
        await asyncio.gather(*(append(number) for number in range(appenders)))
    finally:
        if second is not None:
            await second.dispose()
    entries = await rows(sessionmaker)
    assert [entry.sequence for entry in entries] == list(range(1, 2 * appenders + 1))
    # The two entries of one unit of work are next to each other.
    assert [entry.actor for entry in entries[::2]] == [entry.actor for entry in entries[1::2]]
    verdict = await verify(sessionmaker)
    assert verdict.intact and verdict.head is not None and verdict.head.count == 2 * appenders


async def test_an_entry_changed_afterwards_is_found(
    engine: AsyncEngine, sessionmaker: Sessionmaker
) -> None:
    await record(sessionmaker, 5)
    async with engine.begin() as connection:
        await connection.execute(
            update(AuditRow).where(AuditRow.sequence == 3).values(after={"status": "rejected"})
        )
    verdict = await verify(sessionmaker)
    assert not verdict.intact
    assert verdict.broken == Break(expected=3, found=3, fault=Fault.CHANGED)
    assert verdict.head is not None and verdict.head.count == 2


async def test_an_entry_removed_is_found(engine: AsyncEngine, sessionmaker: Sessionmaker) -> None:
    await record(sessionmaker, 5)
    await tamper(engine, "DELETE FROM audit_log WHERE sequence = 3")
    assert (await verify(sessionmaker)).broken == Break(expected=3, found=4, fault=Fault.MISSING)


async def test_two_entries_swapped_are_found(
    engine: AsyncEngine, sessionmaker: Sessionmaker
) -> None:
    await record(sessionmaker, 5)
    await tamper(
        engine,
        "UPDATE audit_log SET sequence = -2 WHERE sequence = 2",
        "UPDATE audit_log SET sequence = 2 WHERE sequence = 4",
        "UPDATE audit_log SET sequence = 4 WHERE sequence = -2",
    )
    assert (await verify(sessionmaker)).broken == Break(expected=2, found=2, fault=Fault.MISPLACED)


async def test_an_entry_changed_with_its_hash_computed_anew_breaks_the_next_link(
    engine: AsyncEngine, sessionmaker: Sessionmaker
) -> None:
    await record(sessionmaker, 3)
    second = (await rows(sessionmaker))[1]
    forged = Entry(
        second.sequence,
        second.actor,
        second.action,
        second.subject,
        second.before,
        {"status": "rejected"},
        second.at,
    )
    async with engine.begin() as connection:
        await connection.execute(
            update(AuditRow)
            .where(AuditRow.sequence == 2)
            .values(after=forged.after, hash=forged.seal(second.previous_hash))
        )
    assert (await verify(sessionmaker)).broken == Break(expected=3, found=3, fault=Fault.MISPLACED)


async def test_a_chain_rewritten_whole_is_found_against_a_head_noted_before(
    engine: AsyncEngine, sessionmaker: Sessionmaker
) -> None:
    await record(sessionmaker, 5)
    noted = (await verify(sessionmaker)).head
    assert noted is not None
    await record(sessionmaker, 2)
    still = await verify(sessionmaker, noted.hash)
    assert still.intact and still.noted_at == 5

    # Someone holding the database writes the whole log again, entry 4 by another actor,
    # with every hash computed anew: the chain alone is consistent.
    await tamper(engine, "DELETE FROM audit_log")
    await record(sessionmaker, 3)
    await record(sessionmaker, 1, actor=666)
    await record(sessionmaker, 3)
    assert (await verify(sessionmaker)).intact
    rewritten = await verify(sessionmaker, noted.hash)
    assert not rewritten.intact
    assert (rewritten.broken, rewritten.noted_at) == (None, None)


async def test_the_last_entries_removed_are_found_against_a_head_noted_before(
    engine: AsyncEngine, sessionmaker: Sessionmaker
) -> None:
    await record(sessionmaker, 5)
    noted = (await verify(sessionmaker)).head
    assert noted is not None
    await tamper(engine, "DELETE FROM audit_log WHERE sequence = 5")
    assert (await verify(sessionmaker)).intact
    assert not (await verify(sessionmaker, noted.hash)).intact


OLD_AUDIT_LOG = sa.table(
    "audit_log",
    sa.column("actor", sa.BigInteger()),
    sa.column("action", sa.String()),
    sa.column("subject", sa.String()),
    sa.column("before", sa.JSON()),
    sa.column("after", sa.JSON()),
    sa.column("at", sa.DateTime(timezone=True)),
)


async def test_the_migration_chains_the_entries_written_before_it(
    engine: AsyncEngine, sessionmaker: Sessionmaker
) -> None:
    await downgrade(engine, "0005")
    try:
        async with engine.begin() as connection:
            await connection.execute(
                OLD_AUDIT_LOG.insert(),
                [
                    {
                        "actor": 900_000 + number,
                        "action": "idea_published",
                        "subject": f"idea:{number}",
                        "before": {"status": "submitted"} if number % 2 else None,
                        "after": {"status": "published", "note": "Café ☕"},
                        "at": datetime(2027, 1, number, 9, 30, 0, number * 1111, tzinfo=UTC),
                    }
                    for number in range(1, 8)
                ],
            )
    finally:
        await upgrade(engine)
    entries = await rows(sessionmaker)
    assert [(entry.sequence, entry.actor) for entry in entries] == [
        (number, 900_000 + number) for number in range(1, 8)
    ]
    await record(sessionmaker, 1)
    verdict = await verify(sessionmaker)
    assert verdict.intact and verdict.head is not None and verdict.head.count == 8
