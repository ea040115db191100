"""Staff compose a campaign from the chat, see it as citizens will, and confirm it."""

from datetime import timedelta

import pytest
from aiogram.methods import SendMessage
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs.campaigns import Broadcaster
from bot.rehearsal.simulator import Citizen
from bot.runtime.callbacks import RunButton
from bot.runtime.i18n import create_i18n
from bot.runtime.render import Renderer
from budget.campaigns import Audience, AudienceKind, Schedule, ScheduleKind
from budget.serialise import load
from storage.tables import CampaignRow
from storage.unit_of_work import UnitOfWork
from tests.support.app import DURING_VOTE, STAFF_ID, App, consented


@pytest.fixture
async def app(sessionmaker: async_sessionmaker[AsyncSession], edition_id: int) -> App:
    app = App(sessionmaker)
    app.clock.now = DURING_VOTE
    for user_id in (1, 2):
        await consented(app, user_id)
    return app


async def composing(app: App) -> Citizen:
    staff = await consented(app, STAFF_ID)
    await staff.send("/broadcast")
    await staff.click("As I type them")
    return staff


async def write_texts(staff: Citizen) -> None:
    """A French and an English text; Dutch and German readers get the French one."""
    await staff.send("Avez-vous voté ? Il reste une semaine.")
    await staff.click("Skip this language")
    await staff.click("Skip this language")
    await staff.send("Have you voted? One week left. <3 & more")


async def test_staff_compose_a_campaign_and_see_it_as_citizens_will(app: App) -> None:
    staff = await composing(app)
    assert "Send the text in <b>Français</b> (1 of 4)" in staff.last.text
    await write_texts(staff)
    await staff.click("No image")
    await staff.click("🗳 Open the vote")
    await staff.click("Those who have not voted yet")
    await staff.click("Now")
    message, summary = staff.shown[-2:]
    # Sent as written: "<3 & more" reaches citizens as typed.
    assert message.text == "Have you voted? One week left. <3 & more"
    assert message.labels == ["🗳 Vote", "🔕 Stop the reminders"]
    assert "<b>3</b> citizens today" in summary.text
    assert "No text in Nederlands, Deutsch: those readers get the Français text." in summary.text
    await staff.click("✅ Confirm")
    assert staff.last.text.startswith("✅ Campaign no. 1 is saved.")
    [campaign] = await app.rows(CampaignRow)
    assert campaign.texts == {
        "fr": "Avez-vous voté ? Il reste une semaine.",
        "en": "Have you voted? One week left. <3 & more",
    }
    assert load(Audience, campaign.audience) == Audience(AudienceKind.NOT_VOTED)
    assert load(Schedule, campaign.schedule) == Schedule(ScheduleKind.NOW)


async def test_an_audience_of_nobody_is_said_and_cannot_be_confirmed(app: App) -> None:
    staff = await composing(app)
    await write_texts(staff)
    await staff.click("No image")
    await staff.click("No button")
    await staff.click("Those who voted")
    await staff.click("Now")
    summary = staff.last
    assert "Nobody is in this audience today: nothing would be sent." in summary.text
    assert "✅ Confirm" not in summary.labels
    await staff.click("👥 Change the audience")
    await staff.click("Everyone")
    await staff.click("Now")
    assert "<b>3</b> citizens today" in staff.last.text


async def test_a_text_over_the_limit_or_with_broken_formatting_is_refused_at_once(
    app: App,
) -> None:
    staff = await consented(app, STAFF_ID)
    await staff.send("/broadcast")
    await staff.click("With formatting (Telegram HTML)")
    await staff.send("x" * 4100)
    assert staff.last.text == "That is 4,100 characters; Telegram allows 4,096. Please shorten it."
    await staff.send("<b>Votez</i>")
    assert staff.last.text.startswith("Telegram would refuse this formatting at &lt;/i&gt;.")
    await staff.send("<b>Votez</b> !")
    assert "Send the text in <b>Nederlands</b> (2 of 4)" in staff.last.text


async def test_an_image_with_a_text_too_long_for_a_caption_is_refused(app: App) -> None:
    staff = await composing(app)
    await staff.send("y" * 2000)
    for _ in range(3):
        await staff.click("Skip this language")
    await staff.send_photo()
    assert staff.last.text.startswith("Under an image Telegram allows 1,024 characters")


async def test_a_weekly_schedule_ending_before_it_starts_is_refused(app: App) -> None:
    staff = await composing(app)
    await write_texts(staff)
    await staff.click("No image")
    await staff.click("No button")
    await staff.click("Everyone")
    await staff.click("Every week")
    await staff.click("Monday")
    await staff.send("18:00 2027-05-15 2027-04-15")
    assert staff.last.text == "The last day comes before the first one. Please check the dates."
    await staff.send("18:00 2027-04-15 2027-05-15")
    assert "Every Monday at 18:00, from 15 April 2027 to 15 May 2027." in staff.last.text
    assert await app.count(CampaignRow) == 0


async def test_a_citizen_typing_the_staff_command_gets_the_unknown_command_answer(
    app: App,
) -> None:
    citizen = app.citizen(1)
    await citizen.send("/broadcast")
    await citizen.send("/frobnicate")
    unknown = [shown.text for shown in citizen.shown[-4:]]
    assert unknown[0] == unknown[2] == "I do not know this command."
    assert unknown[1] == unknown[3], "the menu follows, as after any unknown command"
    await citizen.send("Avez-vous voté ?")
    assert await app.count(CampaignRow) == 0


WEEKLY_ON_TUESDAYS = {
    "kind": "weekly",
    "weekday": 1,
    "hour": "11:00",
    "start": "2027-04-15",
    "end": "2027-05-15",
}


async def weekly_campaign(app: App, **changes: object) -> None:
    values: dict[str, object] = {
        "name": "Weekly",
        "texts": {"en": "Have you voted?"},
        "html": False,
        "image": None,
        "button": None,
        "button_url": None,
        "audience": {"kind": "everyone"},
        "schedule": WEEKLY_ON_TUESDAYS,
        "results_announcement": False,
        "created_by": STAFF_ID,
        "now": app.clock() - timedelta(days=1),
    }
    values.update(changes)
    async with UnitOfWork(app.sessionmaker) as uow:
        stored = await uow.editions.current(None)
        assert stored is not None
        await uow.campaigns.add(stored.id, **values)  # type: ignore[arg-type]
        await uow.commit()


def broadcaster(app: App) -> Broadcaster:
    return Broadcaster(
        app.simulator.bot, app.sessionmaker, Renderer(create_i18n()), None, 200.0, app.clock
    )


async def test_cancelling_a_sending_of_a_weekly_campaign_cancels_the_weeks_after(
    app: App,
) -> None:
    staff = await consented(app, STAFF_ID)
    await weekly_campaign(app)
    sending = broadcaster(app)
    [run] = await sending.start_due_runs()
    await staff.press(RunButton(action="cancel", run=run.id).pack())
    assert staff.alerts[-1] == (
        "Cancelled: nothing more will be sent, and the campaign's later sendings are cancelled too."
    )
    [campaign] = await app.rows(CampaignRow)
    assert campaign.state == "cancelled"
    app.clock.now += timedelta(days=7)
    assert await sending.start_due_runs() == [], "next week's sending does not start"


def messages_to(app: App, chat: int) -> list[SendMessage]:
    return [m for m in app.sent_to(chat) if isinstance(m, SendMessage)]


async def compose_now_for_everyone(staff: Citizen) -> None:
    await write_texts(staff)
    await staff.click("No image")
    await staff.click("No button")
    await staff.click("Everyone")
    await staff.click("Now")


async def test_a_paid_broadcast_shows_its_cost_in_stars_and_its_messages_carry_the_opt_in(
    app: App,
) -> None:
    staff = await composing(app)
    await compose_now_for_everyone(staff)
    assert "Stars" not in staff.last.text, "free unless chosen"
    await staff.click("⚡ Fast paid broadcast (Stars)")
    preview, summary = staff.shown[-2:]
    assert preview.text == "Have you voted? One week left. <3 & more"
    # 3 citizens × 0.1 Star: the rule and the estimate, before anything is confirmed.
    assert "<b>3</b> citizens today" in summary.text
    assert "0.1 Star per message above the free 30 a second" in summary.text
    assert "at most <b>0.3 ⭐</b> for 3 people" in summary.text
    assert "🐢 Usual free sending" in summary.labels
    await staff.click("✅ Confirm")
    [campaign] = await app.rows(CampaignRow)
    assert campaign.paid_broadcast is True
    before = {chat: len(messages_to(app, chat)) for chat in (1, 2)}
    sending = broadcaster(app)
    [run] = await sending.start_due_runs()
    await sending.send_run(run)
    for chat in (1, 2):
        [message] = messages_to(app, chat)[before[chat] :]
        assert message.text == "Have you voted? One week left. <3 & more"
        assert message.allow_paid_broadcast is True
    previews = [m for m in messages_to(app, STAFF_ID) if m.text == preview.text]
    assert len(previews) == 3, "two previews, then the campaign itself: staff are citizens too"
    assert [m.allow_paid_broadcast for m in previews] == [None, None, True]


async def test_a_campaign_without_the_opt_in_never_carries_it(app: App) -> None:
    staff = await composing(app)
    await compose_now_for_everyone(staff)
    # Chosen, then given up before confirming.
    await staff.click("⚡ Fast paid broadcast (Stars)")
    await staff.click("🐢 Usual free sending")
    assert "Star" not in staff.shown[-1].text
    await staff.click("✅ Confirm")
    [campaign] = await app.rows(CampaignRow)
    assert campaign.paid_broadcast is False
    before = {chat: len(messages_to(app, chat)) for chat in (1, 2)}
    sending = broadcaster(app)
    [run] = await sending.start_due_runs()
    await sending.send_run(run)
    for chat in (1, 2):
        [message] = messages_to(app, chat)[before[chat] :]
        assert message.text == "Have you voted? One week left. <3 & more"
    sent = [m for chat in (1, 2, STAFF_ID) for m in messages_to(app, chat)]
    assert all(m.allow_paid_broadcast is None for m in sent)
