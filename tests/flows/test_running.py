"""`pbbot run` as an IT officer meets it: every failure at start-up is one line naming what to
fix (never a traceback, never the token), and the logs are structured lines that carry the
update and the chat, never a secret nor what a citizen wrote."""

import asyncio
import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.runtime.logs import REDACTED, chat_id_var, configure_logging, update_id_var
from storage.database import create_engine
from storage.migrate import head_revision
from tests.conftest import EXAMPLE_EDITION
from tests.support.command_line import pbbot

PBBOT = str(Path(sys.executable).with_name("pbbot"))
TOKEN = "123456:TEST-secret-token"


@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        (
            {"BOT_API_URL": "http://[bad"},
            (),
            "pbbot: BOT_API_URL is not a valid address (Invalid IPv6 URL)",
        ),
        (
            {"DATABASE_URL": "postgresql://pbbot@127.0.0.1:9/pbbot"},
            (),
            "pbbot: cannot reach the database at 127.0.0.1:9",
        ),
        ({"BOT_API_URL": "http://127.0.0.1:9"}, (), "pbbot: cannot reach Telegram's Bot API"),
        (
            {},
            ("--workers", "2", "--webhook", "https://pb.example.org/tg"),
            "pbbot: several workers need PostgreSQL",
        ),
        ({}, ("--workers", "2"), "pbbot: --workers needs the webhook"),
        (
            {"WEBHOOK_URL": "ftp://pb.example.org/tg"},
            (),
            "pbbot: WEBHOOK_URL must be a public https address",
        ),
    ],
    ids=["bad api url", "no database", "no telegram", "sqlite workers", "polling workers", "ftp"],
)
def test_a_start_up_failure_is_one_line_naming_what_to_fix(
    edition_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    args: tuple[str, ...],
    message: str,
) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, output = pbbot("run", *args)
    assert code == 2, output
    assert "Traceback" not in output and TOKEN not in output
    assert len(output.strip().splitlines()) == 1, output
    assert output.strip().startswith(message)


@pytest.mark.slow
def test_on_postgresql_the_bot_waits_for_pbbot_migrate_which_two_can_run_at_once(
    workdir: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncpg

    from tests.support.databases import POSTGRES_ADMIN

    name = f"pbbot_migrate_{os.getpid()}"
    base = POSTGRES_ADMIN.rsplit("/", 1)[0]

    async def admin(statement: str) -> None:
        connection = await asyncpg.connect(POSTGRES_ADMIN)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        url = f"{base}/{name}"
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("BOT_TOKEN", TOKEN)
        code, output = pbbot("run")
        assert (code, output.strip()) == (
            2,
            f"pbbot: the database schema is at nothing, the bot needs {head_revision()}: "
            "run `pbbot migrate` first",
        )
        env = {**os.environ, "DATABASE_URL": url}
        both = [
            subprocess.Popen(
                [PBBOT, "migrate"], cwd=workdir, env=env, stdout=subprocess.PIPE, text=True
            )
            for _ in range(2)
        ]
        outputs = [process.communicate(timeout=120)[0] for process in both]
        assert [process.returncode for process in both] == [0, 0]
        assert all("up to date" in output for output in outputs)
        loaded = subprocess.run(
            [PBBOT, "edition", "load", str(EXAMPLE_EDITION)], cwd=workdir, env=env, check=False
        )
        assert loaded.returncode == 0
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_log_lines_are_json_with_the_update_and_chat_and_never_a_secret() -> None:
    stream = io.StringIO()
    configure_logging("json", [TOKEN, "webhook-secret-value", "db-password"])
    original = sys.stderr
    sys.stderr = stream
    try:
        update, chat = update_id_var.set(41), chat_id_var.set(77)
        logging.getLogger("pbbot.test").warning(
            "calling https://api.telegram.org/bot%s/sendMessage failed", TOKEN
        )
        update_id_var.reset(update)
        chat_id_var.reset(chat)
        try:
            raise ConnectionError(f"postgresql://pbbot:db-password@db/pbbot {TOKEN}")
        except ConnectionError:
            logging.getLogger("pbbot.test").exception("cannot reach the database")
    finally:
        sys.stderr = original
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["level"] for line in lines] == ["warning", "error"]
    assert (lines[0]["update_id"], lines[0]["chat_id"]) == (41, 77)
    assert "update_id" not in lines[1]
    written = stream.getvalue()
    assert TOKEN not in written and "db-password" not in written
    assert written.count(REDACTED) >= 3


async def test_a_database_error_names_the_statement_never_the_values_citizens_wrote(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'values.db'}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (title TEXT UNIQUE)"))
            statement = text("INSERT INTO t VALUES (:title)")
            await connection.execute(statement, {"title": "my private idea"})
            with pytest.raises(IntegrityError) as refused:
                await connection.execute(statement, {"title": "my private idea"})
    finally:
        await engine.dispose()
    assert "INSERT INTO t" in str(refused.value)
    assert "my private idea" not in str(refused.value)


def test_pbbot_help_lists_run_with_its_webhook_and_workers(workdir: Path) -> None:
    code, output = pbbot("run", "--help")
    assert code == 0
    assert "--webhook" in output and "--workers" in output


def test_a_key_file_that_is_not_the_databases_own_is_refused_at_start(
    edition_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backup restored with another installation's key (or a new one, the real one lost):
    the bot refuses to start rather than fail on every ballot."""
    import base64
    import secrets

    (edition_dir / "pbbot.key").write_text(
        base64.urlsafe_b64encode(secrets.token_bytes(32)).decode() + "\n", encoding="ascii"
    )
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    code, output = pbbot("run")
    assert (code, output.strip()) == (
        2,
        "pbbot: the key file pbbot.key is not this database's: restore the key file kept "
        "with it (SECRET_KEY_FILE)",
    )
