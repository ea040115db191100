"""The staff member who follows a campaign's sending: one progress message, readable, edited
only when something changed, with the one move that applies."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.runtime.callbacks import RunButton
from tests.flows.test_broadcast_compose import broadcaster, weekly_campaign
from tests.support.app import DURING_VOTE, STAFF_ID, App, consented


@pytest.fixture
async def app(sessionmaker: async_sessionmaker[AsyncSession], edition_id: int) -> App:
    app = App(sessionmaker)
    app.clock.now = DURING_VOTE
    for user_id in (1, 2):
        await consented(app, user_id)
    return app


async def test_the_report_shows_the_campaigns_name_in_bold_not_its_tags(app: App) -> None:
    staff = await consented(app, STAFF_ID)
    await weekly_campaign(app, name="Dernier rappel <urgent> & co")
    await broadcaster(app).tick()
    report = staff.last
    assert report.displayed.startswith("📣 Dernier rappel <urgent> & co: finished.")
    assert "<b>" not in report.displayed


async def test_the_progress_message_is_never_edited_into_the_same_text(app: App) -> None:
    staff = await consented(app, STAFF_ID)
    await weekly_campaign(app)
    sending = broadcaster(app)
    await sending.tick()
    await sending.tick()
    assert "finished" in staff.last.displayed
    assert app.simulator.session.unmodified == [], "Telegram refuses: message is not modified"


async def test_a_running_sending_offers_pause_and_a_paused_one_resume(app: App) -> None:
    staff = await consented(app, STAFF_ID)
    await weekly_campaign(app)
    sending = broadcaster(app)
    [run] = await sending.start_due_runs()
    await sending.announce(run)
    progress = staff.last
    assert progress.labels == ["⏸ Pause", "✖ Cancel this sending"]
    await staff.click("⏸ Pause", progress)
    assert staff.alerts[-1] == "Paused. Resume when you are ready."
    assert progress.labels == ["▶ Resume", "✖ Cancel this sending"]
    await staff.click("▶ Resume", progress)
    assert progress.labels == ["⏸ Pause", "✖ Cancel this sending"]
    await staff.click("✖ Cancel this sending", progress)
    assert progress.labels == []


async def test_a_forged_resume_of_a_sending_run_changes_nothing(app: App) -> None:
    staff = await consented(app, STAFF_ID)
    await weekly_campaign(app)
    sending = broadcaster(app)
    [run] = await sending.start_due_runs()
    await sending.announce(run)
    progress = staff.last
    await staff.press(RunButton(action="resume", run=run.id).pack(), progress)
    assert staff.alerts[-1] == "Already done."
    assert progress.labels == ["⏸ Pause", "✖ Cancel this sending"]


async def test_the_preview_counts_one_citizen_in_the_singular_with_no_double_space(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> None:
    app = App(sessionmaker)
    app.clock.now = DURING_VOTE
    staff = await consented(app, STAFF_ID)
    await staff.send("/broadcast")
    await staff.click("As I type them")
    await staff.send("Avez-vous voté ?")
    for _ in range(3):
        await staff.click("Skip this language")
    await staff.click("No image")
    await staff.click("No button")
    await staff.click("Everyone")
    await staff.click("Now")
    assert "👥 For: Everyone — <b>1</b> citizen today" in staff.last.text


async def test_an_audience_with_a_value_names_it(app: App) -> None:
    staff = await consented(app, STAFF_ID)
    await staff.send("/broadcast")
    await staff.click("As I type them")
    await staff.send("Avez-vous voté ?")
    for _ in range(3):
        await staff.click("Skip this language")
    await staff.click("No image")
    await staff.click("No button")
    await staff.click("Those who read one language")
    await staff.click("English")
    await staff.click("Now")
    assert "👥 For: Those who read one language: en — <b>3</b> citizens today" in staff.last.text
