"""The `pbbot` command as staff use it: load an edition, run the bot, rehearse."""

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli.main import app
from tests.conftest import EXAMPLE_EDITION
from tests.integration.test_killed_process import free_port
from tests.support.command_line import pbbot
from tests.support.fake_bot_api import FakeBotApi

PBBOT = str(Path(sys.executable).with_name("pbbot"))


def test_loading_the_example_edition_says_what_was_loaded(workdir: Path) -> None:
    code, output = pbbot("edition", "load", str(EXAMPLE_EDITION))
    assert code == 0, output
    assert "Loaded edition 'namur'" in output
    assert "envelope 200 000 EUR, 7 themes, 3 districts" in output
    code, output = pbbot("edition", "show")
    assert "deposit   2026-11-01 → 2027-01-31" in output


def test_a_faulty_edition_file_is_refused_with_line_and_field_and_nothing_is_loaded(
    workdir: Path,
) -> None:
    faulty = workdir / "faulty.toml"
    faulty.write_text(
        EXAMPLE_EDITION.read_text(encoding="utf-8").replace("total = 200000", "total = 0"),
        encoding="utf-8",
    )
    code, output = pbbot("edition", "load", str(faulty))
    assert code == 2
    assert output.strip() == (
        f"pbbot: {faulty}: line 16: envelope.total: must be more than zero; nothing was loaded"
    )
    code, output = pbbot("edition", "show")
    assert (code, output.strip()) == (2, "pbbot: no edition is loaded")


def test_a_phase_can_be_opened_by_hand(workdir: Path) -> None:
    pbbot("edition", "load", str(EXAMPLE_EDITION))
    code, output = pbbot("phase", "open", "vote")
    assert (code, output.strip()) == (0, "Phase now open: vote")
    assert "(opened by hand)" in pbbot("edition", "show")[1]
    assert pbbot("phase", "auto", "vote")[1].strip() == "Phase now open: deposit"


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (
            None,
            "pbbot: BOT_TOKEN is not set: ask @BotFather for one and put it in .env",
        ),
        (
            "not-a-token",
            "pbbot: BOT_TOKEN is malformed: it looks like 123456789:AAE... (from @BotFather)",
        ),
    ],
)
def test_a_missing_or_malformed_token_is_a_one_line_error(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, token: str | None, message: str
) -> None:
    if token:
        monkeypatch.setenv("BOT_TOKEN", token)
    code, output = pbbot("run")
    assert (code, output.strip()) == (2, message)


def test_the_token_can_come_from_a_dot_env_file(workdir: Path) -> None:
    (workdir / ".env").write_text("BOT_TOKEN=not-a-token\n", encoding="utf-8")
    _, output = pbbot("run")
    assert "BOT_TOKEN is malformed" in output


async def run_pbbot(workdir: Path, api_url: str) -> asyncio.subprocess.Process:
    # A port of its own for /healthz: another bot on this machine (a test running beside it)
    # may hold the default one.
    env = {
        **os.environ,
        "BOT_TOKEN": "123456:TEST-token",
        "PYTHONUNBUFFERED": "1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(free_port()),
    }
    return await asyncio.create_subprocess_exec(
        PBBOT,
        "run",
        "--api-url",
        api_url,
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


@pytest.mark.slow
async def test_the_bot_runs_against_another_bot_api_server(workdir: Path) -> None:
    code, output = await asyncio.to_thread(pbbot, "edition", "load", str(EXAMPLE_EDITION))
    assert code == 0, output
    api = FakeBotApi()
    runner, url = await api.start()
    api.updates.put_nowait(
        {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 77, "type": "private"},
                "from": {"id": 77, "is_bot": False, "first_name": "Ana", "language_code": "fr"},
                "text": "/start poster_dinant",
            },
        }
    )
    process = await run_pbbot(workdir, url)
    try:
        for _ in range(600):
            if len(api.sent_texts(77)) >= 2 or process.returncode is not None:
                break
            await asyncio.sleep(0.05)
        welcome, notice = api.sent_texts(77)[:2]
        assert "Bienvenue au <b>Budget participatif de la Province de Namur</b>" in welcome
        assert "Votre vie privée" in notice
        methods = [method for method, _ in api.calls]
        assert "setMyCommands" in methods and "getUpdates" in methods
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), timeout=30)
        await runner.cleanup()


async def test_a_token_refused_by_the_server_is_a_one_line_error(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await asyncio.to_thread(pbbot, "edition", "load", str(EXAMPLE_EDITION))
    api = FakeBotApi(refuse_token=True)
    runner, url = await api.start()
    monkeypatch.setenv("BOT_TOKEN", "123456:TEST-token")
    monkeypatch.setenv("HTTP_PORT", str(free_port()))
    try:
        # In a thread of its own: the fake server answers from this test's loop.
        code, output = await asyncio.to_thread(pbbot, "run", "--api-url", url)
    finally:
        await runner.cleanup()
    assert code == 2
    assert output.strip().splitlines()[-1] == (
        "pbbot: Telegram refused BOT_TOKEN (Unauthorized): check it with @BotFather"
    )
    assert "Traceback" not in output


def test_run_refuses_to_start_without_an_edition(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123456:TEST-token")
    code, output = pbbot("run")
    assert (code, output.strip().splitlines()[-1]) == (
        2,
        "pbbot: no edition is loaded: run `pbbot edition load examples/namur.toml` first",
    )


def rehearse(lines: list[str], *flags: str) -> Result:
    """Pipe a scripted rehearsal into the playground, one action a line."""
    command = ["playground", "--fresh", "--lang", "en", "--on", "2026-12-01", *flags]
    return CliRunner().invoke(app, command, input="\n".join(lines))


def test_the_playground_replays_a_scripted_rehearsal(workdir: Path) -> None:
    result = rehearse(
        [
            "/start",
            "1",
            "1",
            "11",  # the guide before the form: start my idea
            "2",
            "<b>An orchard</b>",
            ":sticker",
            "Apple trees",
            "3",
            "1",
            ":at 2026-12-02 09:00",
            ":quit",
        ],
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "(it is now 2026-12-02 09:00)" in out, "time moved, and the bot's jobs ran"
    assert "Welcome to the Province of Namur participatory budget!" in out
    assert "[1] ✅ I agree" in out
    assert "you> <b>An orchard</b>" in out
    assert "Please answer with text." in out
    assert "Delete this draft?" in out
    assert "Your draft has been deleted." in out
    assert (workdir / "pbbot-playground.db").exists()
    assert not (workdir / "pbbot.db").exists(), "the rehearsal keeps to its own file"


def test_the_playground_as_staff_shows_the_staff_notice(workdir: Path) -> None:
    skip = "1"
    result = rehearse(
        [
            "/start",
            "1",  # agree
            "1",  # deposit an idea
            "11",  # past the guide before the form
            "2",  # in my own name
            "An orchard",
            "Apple trees",
            skip,
            skip,
            "1",  # the first theme
            ":doc plan.pdf",
            "1",  # a document, then Done
            skip,  # implementation
            ":location 50.46 4.87",
            "12500",
            ":photo orchard",
            "1",  # publish
            ":quit",
        ],
        "--staff",
    )
    assert result.exit_code == 0, result.output
    assert "Documents received: 1" in result.stdout
    assert "[photo orchard]" in result.stdout
    assert "Your idea no. 1 has been deposited." in result.stdout
    assert "New idea no. 1: An orchard" in result.stdout


def test_the_command_line_loads_neither_telegram_nor_charts_until_a_command_needs_them() -> None:
    """`pbbot --help` and the commands that do not serve answer within a second: importing the
    command line loads neither aiogram (seconds to import) nor matplotlib."""
    probe = (
        "import sys, bot.cli; "
        "print(sorted(m for m in ('aiogram', 'matplotlib', 'sqlalchemy') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


def test_loading_the_edition_during_the_vote_says_the_vote_is_open(workdir: Path) -> None:
    pbbot("edition", "load", str(EXAMPLE_EDITION))
    pbbot("phase", "open", "vote")
    code, output = pbbot("edition", "load", str(EXAMPLE_EDITION))
    assert code == 0, output
    assert "phase now: vote" in output
