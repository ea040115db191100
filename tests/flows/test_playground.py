"""The playground as staff rehearse with it, typed line by line: buttons pressed by their
number, a phone number shared, time moved for campaigns and reminders to run, other chats'
messages in sight, and the last buttons kept from one run to the next."""

import io
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rehearsal.playground import (
    HELP,
    Backstage,
    Terminal,
    act,
    background_jobs,
    run_playground,
)
from bot.runtime.i18n import create_i18n
from tests.flows.test_broadcast_compose import weekly_campaign
from tests.support.app import (
    BRUSSELS,
    DURING_VOTE,
    STAFF_ID,
    TEST_SEALER,
    App,
    consented,
    put_projects_on_the_ballot,
)


class Rehearsal:
    """Someone at the playground's prompt."""

    def __init__(self, app: App, user_id: int, buttons_file: Path | None = None) -> None:
        self.out = io.StringIO()
        self.terminal = Terminal(self.out, styled=False)
        self.citizen = app.simulator.citizen(user_id, "en")
        app.simulator.session.listeners.append(
            lambda method, shown: self.terminal.show(method, shown, user_id)
        )
        self.backstage = Backstage(
            move_clock=lambda moment: setattr(app.clock, "now", moment),
            run_jobs=background_jobs(
                app.simulator, app.sessionmaker, create_i18n(), TEST_SEALER, None, app.clock
            ),
            zone=BRUSSELS,
            buttons_file=buttons_file,
        )

    async def type(self, line: str) -> str:
        """Type a line; what the terminal shows in answer."""
        start = len(self.out.getvalue())
        assert await act(line, self.citizen, self.terminal, self.backstage)
        return self.out.getvalue()[start:]

    def number(self, label: str, nth: int = 1) -> str:
        """The number the terminal shows before the nth button with that label."""
        places = [
            place
            for place, (button, _) in enumerate(self.terminal.buttons, start=1)
            if button.text == label
        ]
        return str(places[nth - 1])

    async def press(self, label: str, nth: int = 1) -> str:
        return await self.type(self.number(label, nth))


@pytest.fixture
async def vote_app(sessionmaker: async_sessionmaker[AsyncSession], edition_id: int) -> App:
    await put_projects_on_the_ballot(sessionmaker, edition_id)
    app = App(sessionmaker)
    app.clock.now = DURING_VOTE
    return app


async def at_the_projects(rehearsal: Rehearsal) -> None:
    await rehearsal.type("/start")
    await rehearsal.press("✅ I agree")
    await rehearsal.press("🗳 Vote")
    await rehearsal.press("✅ Yes, I am an adult resident")
    await rehearsal.press("Namur district")
    await rehearsal.type("85.07.30-033.61")
    await rehearsal.press("📋 Choose projects")


async def test_the_third_add_adds_the_third_project(vote_app: App) -> None:
    rehearsal = Rehearsal(vote_app, 1001)
    await at_the_projects(rehearsal)
    shown = await rehearsal.press("➕ Add", nth=3)
    assert "3. Orchards in the schools — €49,548\n  ✅ in your envelope" in shown
    assert "1. Open-air library — €15,000\n\n" in shown, "not the first project"
    shown = await rehearsal.type(f":press {rehearsal.number('➕ Add', nth=1)}")
    assert "1. Open-air library — €15,000\n  ✅ in your envelope" in shown


async def test_a_press_beyond_the_buttons_is_explained(vote_app: App) -> None:
    rehearsal = Rehearsal(vote_app, 1001)
    await rehearsal.type("/start")
    assert await rehearsal.type(":press 99") == "  no button 99: :press 1 to 3\n"


async def test_a_phone_number_is_shared_with_contact(vote_app: App) -> None:
    rehearsal = Rehearsal(vote_app, 1001)
    await rehearsal.type("/start")
    await rehearsal.press("✅ I agree")
    shown = await rehearsal.type(":contact +32470123456")
    assert "Thank you, but I did not ask for a phone number here." in shown
    assert await rehearsal.type(":contact call me") == "  usage: :contact +32470123456\n"


async def test_moving_the_clock_runs_the_campaigns_and_shows_other_chats(app: App) -> None:
    app.clock.now = DURING_VOTE - timedelta(days=1)
    await consented(app, 1)
    rehearsal = Rehearsal(app, STAFF_ID)
    await rehearsal.type("/start")
    await rehearsal.press("✅ I agree")
    await weekly_campaign(app)
    shown = await rehearsal.type(f":at {DURING_VOTE:%Y-%m-%d %H:%M}")
    assert "(it is now 2027-04-20 12:00)" in shown
    assert "  ── to chat 1 ──\n  Have you voted?\n" in shown, "a citizen's campaign, marked"
    assert "📣 Weekly: finished." in shown, "the staff member follows the sending"
    assert await rehearsal.type(":at next tuesday") == "  usage: :at 2027-04-19 18:00\n"


async def test_the_buttons_survive_between_runs(vote_app: App, tmp_path: Path) -> None:
    saved = tmp_path / "playground.db.buttons.json"
    citizen = vote_app.simulator.citizen(1001, "en")
    await run_playground(
        vote_app.simulator,
        citizen,
        lines("/start"),
        io.StringIO(),
        True,
        Backstage(buttons_file=saved),
    )
    assert saved.exists()
    vote_app.start()  # the next run: a new bot, the same database
    out = io.StringIO()
    citizen = vote_app.simulator.citizen(1001, "en")
    await run_playground(
        vote_app.simulator, citizen, lines("1"), out, True, Backstage(buttons_file=saved)
    )
    shown = out.getvalue()
    assert "(the buttons you ended on last time)\n    [1] ✅ I agree" in shown
    assert "[1] 🗳 Vote" in shown, "the old button gave the consent: the menu follows"


async def test_help_lists_every_command(vote_app: App) -> None:
    rehearsal = Rehearsal(vote_app, 1001)
    shown = await rehearsal.type(":help")
    assert shown == HELP + "\n"
    for command in (":press", ":contact", ":at", ":location", ":photo", ":say", ":quit"):
        assert command in HELP


def lines(*typed: str) -> Callable[[], Awaitable[str]]:
    """Lines typed at the prompt, then the end of input."""
    pending = [f"{line}\n" for line in typed]

    async def read() -> str:
        return pending.pop(0) if pending else ""

    return read
