"""Staff check the audit log's chain from the command line, note its head, and read it."""

import asyncio
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from storage.database import create_engine, create_sessionmaker
from storage.unit_of_work import UnitOfWork
from tests.support.command_line import pbbot

AT = datetime(2027, 2, 15, 10, 30, 5, tzinfo=UTC)
Action = tuple[int, str, str, dict[str, Any] | None, dict[str, Any] | None]
ACTIONS: list[Action] = [
    (42, "idea_published", "idea:12", {"status": "submitted"}, {"status": "published"}),
    (42, "idea_rejected", "idea:3", {"status": "submitted"}, {"status": "rejected"}),
    (43, "merge_dismissed", "ideas:3+12", None, None),
    (0, "committee_volunteers_closed", "edition:1", None, {"volunteers": [[1, "namur"]]}),
]


@pytest.fixture
def database(workdir: Path, migrated_sqlite: Path) -> Path:
    path = workdir / "pbbot.db"
    shutil.copyfile(migrated_sqlite, path)
    return path


def record(database: Path, actions: list[Action]) -> None:
    async def write() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{database}")
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            for actor, action, subject, before, after in actions:
                await uow.audit.record(actor, action, subject, AT, before=before, after=after)
            await uow.commit()
        await engine.dispose()

    asyncio.run(write())


def tamper(database: Path, *statements: str) -> None:
    async def run() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{database}")
        async with engine.begin() as connection:
            for statement in statements:
                await connection.execute(text(statement))
        await engine.dispose()

    asyncio.run(run())


def noted_head(output: str) -> str:
    [line] = [line for line in output.splitlines() if line.startswith("Head: ")]
    return line.rsplit(" ", 1)[1]


def test_verify_prints_the_head_and_later_checks_the_log_still_passes_through_it(
    database: Path,
) -> None:
    record(database, ACTIONS)
    code, output = pbbot("audit", "verify")
    assert code == 0, output
    lines = output.splitlines()
    assert lines[0] == "The audit log is intact: 4 entries, each chained to the one before."
    assert lines[1].startswith("Head: entry 4, hash ")
    head = noted_head(output)
    assert len(head) == 64

    record(database, ACTIONS[:1])
    code, output = pbbot("audit", "verify", "--head", head)
    assert code == 0, output
    assert "The head noted is entry 4: the log passes through it." in output

    # Someone holding the database writes the log anew, hashes and all.
    tamper(database, "DELETE FROM audit_log")
    record(database, [ACTIONS[0], ACTIONS[0], *ACTIONS[2:]])
    assert pbbot("audit", "verify")[0] == 0
    code, output = pbbot("audit", "verify", "--head", head)
    assert code == 1
    assert "The head noted is not in the log: since it was noted, the log was written anew" in (
        output
    )


@pytest.mark.parametrize(
    ("statement", "report"),
    [
        (
            "UPDATE audit_log SET subject = 'idea:4' WHERE sequence = 2",
            "The audit log is broken at entry 2: it was changed after it was written "
            "(its content no longer gives its hash).",
        ),
        (
            "DELETE FROM audit_log WHERE sequence IN (2, 3)",
            "The audit log is broken at entry 2: entries 2 to 3 are missing (removed); "
            "entry 4 comes next.",
        ),
    ],
)
def test_verify_says_where_the_chain_breaks_and_fails(
    database: Path, statement: str, report: str
) -> None:
    record(database, ACTIONS)
    tamper(database, statement)
    code, output = pbbot("audit", "verify")
    assert code == 1
    assert output.splitlines()[0] == report
    assert output.splitlines()[1].startswith("Entries 1 to 1 are intact; the last has hash ")


def test_a_head_that_is_no_hash_is_refused(database: Path) -> None:
    code, output = pbbot("audit", "verify", "--head", "last-week")
    assert (code, output.strip()) == (
        2,
        "pbbot: --head 'last-week': a head's hash is 64 hexadecimal characters",
    )


def test_show_prints_one_line_per_entry_and_filters_them(database: Path) -> None:
    record(database, ACTIONS)
    code, output = pbbot("audit", "show")
    assert code == 0, output
    assert output.splitlines() == [
        "1  2027-02-15 10:30:05 UTC  42            idea_published               idea:12     "
        "status: submitted → status: published",
        "2  2027-02-15 10:30:05 UTC  42            idea_rejected                idea:3      "
        "status: submitted → status: rejected",
        "3  2027-02-15 10:30:05 UTC  43            merge_dismissed              ideas:3+12",
        "4  2027-02-15 10:30:05 UTC  command-line  committee_volunteers_closed  edition:1   "
        '– → volunteers: [[1, "namur"]]',
    ]

    def numbers(*options: str) -> list[str]:
        code, output = pbbot("audit", "show", *options)
        assert code == 0, output
        return [line.split()[0] for line in output.splitlines()]

    assert numbers("--staff", "42") == ["1", "2"]
    assert numbers("--action", "reject") == ["2"]
    assert numbers("--idea", "12") == ["1", "3"]
    assert numbers("--idea", "3", "--staff", "43") == ["3"]
    assert numbers("--limit", "2") == ["3", "4"]
    assert pbbot("audit", "show", "--staff", "7") == (0, "No entry matches.\n")


def test_an_empty_log_says_so(database: Path) -> None:
    assert pbbot("audit", "show") == (0, "The audit log is empty.\n")
    code, output = pbbot("audit", "verify")
    assert (code, output) == (0, "The audit log is empty: no staff action has been recorded.\n")
