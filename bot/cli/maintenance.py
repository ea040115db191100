"""`pbbot backup` and `pbbot restore`: a copy of the database to keep, and putting one back.

On SQLite both go through SQLite's online backup API, which copies what was committed (the
write-ahead log included) as one consistent snapshot, even while the bot writes. On PostgreSQL
they say the pg_dump or pg_restore command to run instead: those tools do it better."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import sqlite3
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.support import fail, load_settings, prepared_engine

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from bot.runtime.settings import Settings

# The tables every pbbot schema has had since its first migration.
PBBOT_TABLES = ("alembic_version", "editions")
KEY_REMINDER = (
    "The key file (SECRET_KEY_FILE, ./pbbot.key by default) is not in the backup: "
    "keep a copy of it apart, on another medium."
)


def backup(
    file: Annotated[Path, typer.Argument(help="Where to write the copy, e.g. pbbot-backup.db.")],
) -> None:
    """Copy the database to FILE, consistently, even while the bot runs.

    The secret key file (SECRET_KEY_FILE) is not in the copy: keep it apart, on another medium.

    On PostgreSQL, says the pg_dump command to run instead."""
    database = _sqlite_database(load_settings(), "backup", file)
    if not database.is_file():
        raise fail(f"there is no database at {database}")
    if file.resolve() == database.resolve():
        raise fail(f"{file} is the database itself: back it up to another file")
    # Written beside FILE, then renamed: a failed backup never replaces a good older one.
    try:
        handle, part = tempfile.mkstemp(dir=file.parent, prefix=f".{file.name}.", suffix=".part")
    except OSError as error:
        raise fail(f"cannot write {file}: {error.strerror}") from None
    os.close(handle)
    try:
        with (
            contextlib.closing(_open(database, "rw")) as source,
            contextlib.closing(sqlite3.connect(part)) as target,
        ):
            source.backup(target)
            # One file to carry away, with no write-ahead log beside it.
            target.execute("PRAGMA journal_mode=DELETE")
        os.replace(part, file)
    except (sqlite3.Error, OSError) as error:
        Path(part).unlink(missing_ok=True)
        raise fail(f"cannot back up {database} to {file}: {error}") from None
    size = file.stat().st_size / 1_000_000
    typer.echo(f"Backed up {database} to {file} ({size:.1f} MB).")
    typer.echo(KEY_REMINDER)


def restore(
    file: Annotated[Path, typer.Argument(help="A backup made by `pbbot backup`.")],
) -> None:
    """Put back a backup made by `pbbot backup`, then bring its schema up to date.

    Stop the bot first and start it again after: a running bot keeps part of the data in memory.

    The database is replaced whole. On PostgreSQL, says the pg_restore command to run instead."""
    settings = load_settings()
    database = _sqlite_database(settings, "restore", file)
    revision = _check_backup(file)
    if file.resolve() == database.resolve():
        raise fail(f"{file} is the database itself; nothing was restored")
    try:
        with (
            contextlib.closing(_open(file, "ro")) as source,
            contextlib.closing(sqlite3.connect(database, timeout=30)) as target,
        ):
            # One transaction on the database: it is replaced whole, or left as it was.
            source.backup(target)
    except sqlite3.Error as error:
        raise fail(f"cannot restore {file} into {database}: {error}") from None

    async def upgrade() -> None:
        engine = await prepared_engine(settings)
        await engine.dispose()

    asyncio.run(upgrade())
    typer.echo(
        f"Restored {file} into {database} (schema revision {revision}, now up to date). "
        "Start the bot again."
    )


def _sqlite_database(settings: Settings, command: str, file: Path) -> Path:
    """The SQLite file DATABASE_URL names; on PostgreSQL, a refusal giving the recipe."""
    from sqlalchemy.engine import make_url

    from storage.database import normalise_url

    url = make_url(normalise_url(settings.database_url))
    if url.get_backend_name() == "postgresql":
        raise fail(_postgres_recipe(command, url, file))
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        raise fail(f"{command} needs a database file: DATABASE_URL names none")
    return Path(url.database)


def _postgres_recipe(command: str, url: URL, file: Path) -> str:
    from sqlalchemy.engine import URL

    # The password stays out of a message that may end up in a log.
    # libpq's name for asyncpg's `ssl` option.
    query = {("sslmode" if key == "ssl" else key): value for key, value in url.query.items()}
    without_password = URL.create(
        "postgresql", url.username, None, url.host, url.port, url.database, query
    )
    where = shlex.quote(without_password.render_as_string(hide_password=False))
    password = " (the password in PGPASSWORD or ~/.pgpass)" if url.password else ""
    dump = shlex.quote(str(file))
    if command == "backup":
        return (
            "on PostgreSQL, back up with pg_dump instead: "
            f"pg_dump --format=custom --file {dump} {where}{password}"
        )
    return (
        "on PostgreSQL, restore with pg_restore instead, the bot stopped: "
        f"pg_restore --clean --if-exists --no-owner --dbname {where} {dump}, "
        f"then pbbot migrate{password}"
    )


def _open(path: Path, mode: str) -> sqlite3.Connection:
    """An existing SQLite file, never created by opening it."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, timeout=30)


def _check_backup(file: Path) -> str:
    """The backup's schema revision, if it is a pbbot database this pbbot can bring up to
    date; otherwise a refusal, before anything is touched."""
    if not file.is_file():
        raise fail(f"{file}: no such file; nothing was restored")
    refusal = f"{file} is not a pbbot database"
    try:
        with contextlib.closing(_open(file, "ro")) as backup:
            names = {row[0] for row in backup.execute("SELECT name FROM sqlite_master")}
            missing = [name for name in PBBOT_TABLES if name not in names]
            if missing:
                raise fail(f"{refusal} (no {missing[0]} table); nothing was restored")
            row = backup.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        raise fail(f"{refusal} (not an SQLite file); nothing was restored") from None
    if row is None:
        raise fail(f"{refusal} (no schema revision); nothing was restored")
    revision = str(row[0])
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from storage.migrate import alembic_config

    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    except CommandError:
        raise fail(
            f"{file} comes from a newer pbbot (schema revision {revision}): install that "
            "version to restore it; nothing was restored"
        ) from None
    return revision
