"""Staff schedule campaigns from the command line, the same as from the chat."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiogram import Bot

from bot.jobs.campaigns import Broadcaster
from bot.rehearsal.simulator import OFFLINE_TOKEN, OfflineSession
from bot.runtime.i18n import create_i18n
from bot.runtime.render import Renderer
from storage.database import create_engine, create_sessionmaker
from tests.support.command_line import cast_ballots, pbbot

CAMPAIGN = """
audience = "everyone"
button = "vote"
[text]
fr = "Le vote est ouvert !"
[schedule]
every = "monday"
hour = "18:00"
from = 2027-04-15
until = 2027-05-15
"""


def write(folder: Path, text: str) -> str:
    (folder / "campaign.toml").write_text(text, encoding="utf-8")
    return "campaign.toml"


@pytest.fixture
def citizens(edition_dir: Path) -> Path:
    (edition_dir / "projects.csv").write_text(
        "title,summary,cost\nBancs,Des bancs,1000\n", encoding="utf-8"
    )
    pbbot("projects", "import", "projects.csv")
    asyncio.run(cast_ballots(edition_dir / "pbbot.db", [[1], [1], [1]]))
    return edition_dir


def test_a_campaign_file_is_checked_counted_and_scheduled(citizens: Path) -> None:
    code, output = pbbot("broadcast", "create", write(citizens, CAMPAIGN), "--yes")
    assert code == 0, output
    assert "3 citizens are in this audience today" in output
    assert "Campaign no. 1 is scheduled" in output
    code, listing = pbbot("broadcast", "list")
    assert "no. 1  scheduled  Le vote est ouvert !" in listing


def test_an_audience_of_nobody_schedules_nothing(citizens: Path) -> None:
    text = CAMPAIGN.replace('audience = "everyone"', 'audience = "language:nl"')
    code, output = pbbot("broadcast", "create", write(citizens, text), "--yes")
    assert (code, output.strip()) == (
        2,
        "pbbot: nobody is in this audience today: nothing was scheduled",
    )
    assert pbbot("broadcast", "list")[1].strip() == "No campaign yet."


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('fr = "Le vote est ouvert !"', 'fr = ""'), "there is no text in any language"),
        (
            ("until = 2027-05-15", "until = 2027-04-01"),
            "the schedule's last day comes before its first day",
        ),
        (('fr = "Le vote est ouvert !"', f'fr = "{"x" * 4100}"'), "Telegram allows 4096"),
    ],
)
def test_a_faulty_campaign_is_refused_with_the_reason(
    citizens: Path, change: tuple[str, str], message: str
) -> None:
    code, output = pbbot("broadcast", "create", write(citizens, CAMPAIGN.replace(*change)), "--yes")
    assert code == 2
    assert message in output
    assert output.strip().endswith("nothing was scheduled")


def test_pausing_a_run_that_is_not_sending_says_so(citizens: Path) -> None:
    code, output = pbbot("broadcast", "pause", "7")
    assert (code, output.strip()) == (2, "pbbot: run 7 is not sending")


async def send_due_runs(database: Path, now: datetime) -> list[int]:
    """What the bot does when the campaign is due; the chats it wrote to."""
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    session = OfflineSession()
    bot = Bot(OFFLINE_TOKEN, session=session)
    sending = Broadcaster(
        bot, create_sessionmaker(engine), Renderer(create_i18n()), None, 200.0, lambda: now
    )
    await sending.tick()
    await engine.dispose()
    return [int(method.chat_id) for method in session.requests if hasattr(method, "chat_id")]


# A Monday of the campaign's weeks, past its hour.
DUE = datetime(2027, 4, 19, 16, 30, tzinfo=UTC)


def test_a_campaign_nobody_follows_sends_its_progress_nowhere(citizens: Path) -> None:
    code, output = pbbot("broadcast", "create", write(citizens, CAMPAIGN), "--yes")
    assert code == 0, output
    assert "Nobody will follow its progress in a chat: add --follow CHAT_ID" in output
    chats = asyncio.run(send_due_runs(citizens / "pbbot.db", DUE))
    assert sorted(chats) == [1, 2, 3], "the citizens get the campaign, and no chat 0 anything"


def test_a_campaign_followed_from_the_command_line_reports_to_that_chat(citizens: Path) -> None:
    code, output = pbbot(
        "broadcast", "create", write(citizens, CAMPAIGN), "--yes", "--follow", "4242"
    )
    assert code == 0, output
    assert "Its progress is shown in the chat 4242." in output
    chats = asyncio.run(send_due_runs(citizens / "pbbot.db", DUE))
    assert 4242 in chats and 0 not in chats


def test_following_from_chat_0_is_refused(citizens: Path) -> None:
    code, output = pbbot("broadcast", "create", write(citizens, CAMPAIGN), "--yes", "--follow", "0")
    assert code == 2
    assert "--follow needs a Telegram chat id" in output
    assert pbbot("broadcast", "list")[1].strip() == "No campaign yet."


def test_an_audience_of_one_is_counted_in_the_singular(edition_dir: Path) -> None:
    (edition_dir / "projects.csv").write_text(
        "title,summary,cost\nBancs,Des bancs,1000\n", encoding="utf-8"
    )
    pbbot("projects", "import", "projects.csv")
    asyncio.run(cast_ballots(edition_dir / "pbbot.db", [[1]]))
    code, output = pbbot("broadcast", "create", write(edition_dir, CAMPAIGN), "--yes")
    assert code == 0, output
    assert "1 citizen is in this audience today" in output


def test_a_paid_broadcast_says_its_cost_in_stars_before_it_is_scheduled(citizens: Path) -> None:
    text = CAMPAIGN.replace('button = "vote"', 'button = "vote"\npaid_broadcast = true')
    code, output = pbbot("broadcast", "create", write(citizens, text), "--yes")
    assert code == 0, output
    assert "Paid broadcast: up to 1000 messages a second" in output
    assert "0.1 Star per message above the free 30 a second: at most 0.3 Stars for 3" in output
    code, output = pbbot("broadcast", "create", write(citizens, CAMPAIGN), "--yes")
    assert code == 0 and "Star" not in output, "free unless asked for"
    listing = pbbot("broadcast", "list")[1]
    assert "no. 1  scheduled  Le vote est ouvert !  (paid broadcast)" in listing
    assert "no. 2  scheduled  Le vote est ouvert !\n" in listing


def test_paid_broadcast_in_a_campaign_file_is_true_or_false(citizens: Path) -> None:
    text = CAMPAIGN.replace('button = "vote"', 'button = "vote"\npaid_broadcast = "yes"')
    code, output = pbbot("broadcast", "create", write(citizens, text), "--yes")
    assert code == 2
    assert "paid_broadcast: must be true or false" in output
