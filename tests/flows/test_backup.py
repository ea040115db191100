"""Staff back up the database and put a backup back: on SQLite with `pbbot backup` and
`pbbot restore`, on PostgreSQL with the pg_dump / pg_restore recipe they print."""

import contextlib
import hashlib
import re
import shlex
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_EDITION
from tests.support.command_line import pbbot
from tests.support.databases import postgres_database

PROJECTS_CSV = (
    "title,summary,cost,district,theme\n"
    "Orchards in the schools,Apple trees by every school,49548,namur,environment\n"
    "A cycle lane,Along the Meuse,120000,dinant,mobility\n"
    "Repair café,Fix rather than throw away,8500,philippeville,social\n"
)
KEY_REMINDER = (
    "The key file (SECRET_KEY_FILE, ./pbbot.key by default) is not in the backup: "
    "keep a copy of it apart, on another medium."
)


def import_projects(directory: Path, csv: str = PROJECTS_CSV) -> None:
    (directory / "projects.csv").write_text(csv, encoding="utf-8")
    code, output = pbbot("projects", "import", "projects.csv")
    assert code == 0, output


def summary() -> str:
    """The last line of `pbbot projects list`: how many projects, their cost, the envelope."""
    code, output = pbbot("projects", "list")
    assert code == 0, output
    return output.strip().splitlines()[-1]


def fingerprint(database: Path) -> str:
    return hashlib.sha256(database.read_bytes()).hexdigest()


def test_a_restore_brings_back_the_edition_and_projects_of_the_backup(edition_dir: Path) -> None:
    import_projects(edition_dir)
    code, output = pbbot("backup", "backup.db")
    assert code == 0, output
    assert output.startswith("Backed up ")
    assert output.strip().splitlines()[-1] == KEY_REMINDER

    import_projects(edition_dir, "title,summary,cost\nA skate park,By the river,15000\n")
    bigger = edition_dir / "bigger.toml"
    bigger.write_text(
        EXAMPLE_EDITION.read_text(encoding="utf-8").replace("total = 200000", "total = 250000"),
        encoding="utf-8",
    )
    assert pbbot("edition", "load", str(bigger))[0] == 0
    assert summary() == "4 projects, 193 048 € in all; envelope 250 000 €"

    code, output = pbbot("restore", "backup.db")
    assert code == 0, output
    assert "Restored backup.db into" in output
    assert summary() == "3 projects, 178 048 € in all; envelope 200 000 €"


def test_the_backup_is_one_file_readable_by_its_owner_only(edition_dir: Path) -> None:
    assert pbbot("backup", "backup.db")[0] == 0
    assert (edition_dir / "backup.db").stat().st_mode & 0o777 == 0o600
    assert not (edition_dir / "backup.db-wal").exists()
    assert sorted(path.name for path in edition_dir.glob("backup.db*")) == ["backup.db"]


def test_a_backup_taken_during_another_write_holds_what_was_committed_and_nothing_else(
    edition_dir: Path,
) -> None:
    import_projects(edition_dir)
    writer = sqlite3.connect(edition_dir / "pbbot.db", isolation_level=None)
    try:
        assert writer.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        # Committed, but still only in the write-ahead log: no checkpoint copies it over.
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("DELETE FROM projects WHERE cost_cents = 850000")
        assert (edition_dir / "pbbot.db-wal").stat().st_size > 0
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("DELETE FROM projects")

        code, output = pbbot("backup", "backup.db")
        assert code == 0, output
        writer.execute("ROLLBACK")
    finally:
        writer.close()

    assert pbbot("restore", "backup.db")[0] == 0
    assert summary() == "2 projects, 169 548 € in all; envelope 200 000 €"


def not_a_database(directory: Path) -> Path:
    path = directory / "notes.db"
    path.write_text("These are my notes, not a database.\n", encoding="utf-8")
    return path


def another_database(directory: Path) -> Path:
    path = directory / "other.db"
    with contextlib.closing(sqlite3.connect(path)) as other:
        other.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        other.execute("INSERT INTO alembic_version VALUES ('0001')")
        other.commit()
    return path


def from_a_newer_pbbot(directory: Path) -> Path:
    path = directory / "newer.db"
    assert pbbot("backup", str(path))[0] == 0
    with contextlib.closing(sqlite3.connect(path)) as newer:
        newer.execute("UPDATE alembic_version SET version_num = '9999'")
        newer.commit()
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (not_a_database, "notes.db is not a pbbot database (not an SQLite file)"),
        (another_database, "other.db is not a pbbot database (no editions table)"),
        (
            from_a_newer_pbbot,
            "newer.db comes from a newer pbbot (schema revision 9999): install that version "
            "to restore it",
        ),
        (lambda directory: directory / "missing.db", "missing.db: no such file"),
    ],
)
def test_a_file_that_is_not_a_pbbot_backup_is_refused_and_the_database_is_left_as_it_was(
    edition_dir: Path, make, message: str
) -> None:
    import_projects(edition_dir)
    refused = make(edition_dir)
    before = fingerprint(edition_dir / "pbbot.db")
    code, output = pbbot("restore", str(refused))
    assert (code, output) == (2, f"pbbot: {edition_dir / message}; nothing was restored\n")
    assert fingerprint(edition_dir / "pbbot.db") == before
    assert summary() == "3 projects, 178 048 € in all; envelope 200 000 €"


@pytest.mark.parametrize(
    ("url", "command", "message"),
    [
        (
            "postgres://pbbot:s3cret@db.example.org:5432/pbbot",
            ("backup", "pbbot.dump"),
            "pbbot: on PostgreSQL, back up with pg_dump instead: pg_dump --format=custom "
            "--file pbbot.dump postgresql://pbbot@db.example.org:5432/pbbot "
            "(the password in PGPASSWORD or ~/.pgpass)",
        ),
        (
            "postgresql+asyncpg://pbbot@db.example.org/pbbot?ssl=require",
            ("restore", "nightly backup.dump"),
            "pbbot: on PostgreSQL, restore with pg_restore instead, the bot stopped: "
            "pg_restore --clean --if-exists --no-owner --dbname "
            "'postgresql://pbbot@db.example.org/pbbot?sslmode=require' 'nightly backup.dump', "
            "then pbbot migrate",
        ),
    ],
)
def test_on_postgresql_backup_and_restore_give_the_recipe_in_a_form_libpq_reads(
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    command: tuple[str, str],
    message: str,
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    assert pbbot(*command) == (2, message + "\n")


def run_recipe(message: str, pattern: str, cwd: Path) -> None:
    found = re.search(pattern, message)
    assert found, message
    recipe = shlex.split(found.group(1))
    assert "+asyncpg" not in found.group(1)
    result = subprocess.run(recipe, cwd=cwd, capture_output=True, text=True, timeout=120)
    if "server version mismatch" in result.stderr:
        pytest.skip(f"{recipe[0]} cannot read this server: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_the_postgresql_recipe_restores_the_backup_into_a_fresh_database(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (PostgreSQL's client tools)")
    with (
        contextlib.contextmanager(postgres_database)() as source,
        contextlib.contextmanager(postgres_database)() as fresh,
    ):
        monkeypatch.setenv("DATABASE_URL", source)
        assert pbbot("edition", "load", str(EXAMPLE_EDITION))[0] == 0
        import_projects(workdir)
        code, message = pbbot("backup", "pbbot.dump")
        assert code == 2
        run_recipe(message, r"instead: (pg_dump .*)$", workdir)

        monkeypatch.setenv("DATABASE_URL", fresh)
        code, message = pbbot("restore", "pbbot.dump")
        assert code == 2
        run_recipe(message, r"stopped: (pg_restore .*), then pbbot migrate$", workdir)
        assert pbbot("migrate") == (0, "Database schema is up to date.\n")
        assert summary() == "3 projects, 178 048 € in all; envelope 200 000 €"
        code, output = pbbot("edition", "show")
        assert output.startswith("namur: la Province de Namur, envelope 200 000 EUR")
