"""While the vote runs, patterns of organised voting are told to the admins in the chat, once,
from counts that name no voter; an admin marks the alarm as looked at, in the audit log; no
ballot is removed."""

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs.integrity import IntegrityJob
from bot.rehearsal.simulator import Citizen
from bot.runtime.callbacks import IntegrityButton
from bot.runtime.render import Renderer
from conversations.integrity import IntegrityAction
from storage.tables import AuditRow, IntegrityAlarmRow, IntegrityCountRow, IntegrityNumberRow
from tests.support.app import (
    _CATALOGUES,
    DURING_VOTE,
    STAFF_ID,
    TEST_SEALER,
    App,
    answer_identity,
    at_envelope,
    cast_ballot,
    change_edition,
    consented,
    put_projects_on_the_ballot,
)
from tests.support.voting import publish

LOOK = "👀 Mark as looked at"
# Telegram ids as long as real ones: one written in a message would be found.
HONEST, WAVE = 987_654_321_100, 987_654_321_200
# Small thresholds, so that a wave a test can cast is one: six ballots, and a chance of 1%.
SMALL_WAVES = (
    ("# [integrity]", "[integrity]"),
    ("# wave_min_ballots = 30", "wave_min_ballots = 6"),
    ("# chance = 1e-6", "chance = 0.01"),
)


def job_of(app: App) -> IntegrityJob:
    """The bot's integrity job, sending through the app's recording Bot session."""
    return IntegrityJob(
        app.simulator.bot,
        app.sessionmaker,
        Renderer(_CATALOGUES),
        None,
        app.settings.staff_ids,
        TEST_SEALER,
    )


@pytest.fixture
async def wave_app(sessionmaker: async_sessionmaker[AsyncSession], edition_id: int) -> App:
    await change_edition(sessionmaker, *SMALL_WAVES)
    await put_projects_on_the_ballot(sessionmaker, edition_id)
    app = App(sessionmaker)
    app.clock.now = DURING_VOTE
    return app


async def newcomers_cast(app: App, first_id: int, titles: list[str]) -> None:
    """New accounts, each consenting and casting at once a ballot of one project."""
    for offset, title in enumerate(titles):
        citizen = await at_envelope(app, first_id + offset)
        await cast_ballot(citizen, [title])


def alarms_told(app: App, admin: Citizen) -> list[str]:
    return [shown.text for shown in admin.shown if "Integrity alarm" in shown.text]


async def test_a_wave_of_new_accounts_casting_one_project_alone_is_told_to_the_admin_once(
    wave_app: App,
) -> None:
    app = wave_app
    admin = await consented(app, STAFF_ID)
    job = job_of(app)
    await newcomers_cast(app, HONEST, ["Open-air library", "Youth music studio"])
    assert await job.check(app.clock()) == 0

    app.clock.now = DURING_VOTE + timedelta(minutes=5)
    await newcomers_cast(app, WAVE, ["Repair café in Couvin"] * 8)
    app.clock.now = DURING_VOTE + timedelta(minutes=20)
    assert await job.check(app.clock()) == 1
    [told] = alarms_told(app, admin)
    assert told.startswith("🚨 <b>Integrity alarm no. 1</b>")
    assert (
        "8 ballots holding only <b>Repair café in Couvin</b> were cast on 20 April 2027 "
        "between 12:00 and 12:20 by accounts less than 60 minutes old, out of 8 such ballots"
    ) in told
    assert "No ballot has been removed" in told
    assert admin.last.labels == [LOOK]
    for telegram_id in range(WAVE, WAVE + 8):
        assert str(telegram_id) not in told, "the alarm names no voter"

    # The wave goes on being seen: the alarm is kept up to date, not told again.
    app.clock.now = DURING_VOTE + timedelta(minutes=25)
    assert await job.check(app.clock()) == 0
    assert len(alarms_told(app, admin)) == 1
    [alarm] = await app.rows(IntegrityAlarmRow)
    assert (alarm.kind, alarm.observed, alarm.acked_at) == ("single_project_wave", 8, None)

    await admin.click(LOOK, admin.shown[-1])
    assert "👀 Looked at by 900001 on 20 April 2027 at 12:25." in admin.last.text
    assert admin.last.labels == []
    # Another admin's copy of the alarm still has its button: pressed, it changes nothing.
    await admin.press(IntegrityButton(action=IntegrityAction.ACK, alarm=1).pack())
    assert admin.alerts[-1] == "This alarm has already been marked as looked at."
    [entry] = [row for row in await app.rows(AuditRow) if row.subject == "integrity_alarm:1"]
    assert (entry.actor, entry.action) == (STAFF_ID, "integrity_alarm_looked_at")
    assert len(await app.ballots()) == 10, "no ballot is removed: staff decide"


async def test_honest_newcomers_raise_no_alarm(wave_app: App) -> None:
    app = wave_app
    admin = await consented(app, STAFF_ID)
    job = job_of(app)
    await newcomers_cast(app, HONEST, ["Open-air library", "Youth music studio"])
    assert await job.check(app.clock()) == 0
    app.clock.now = DURING_VOTE + timedelta(minutes=5)
    await newcomers_cast(
        app,
        WAVE,
        ["Repair café in Couvin", "Open-air library", "Youth music studio"] * 3,
    )
    app.clock.now = DURING_VOTE + timedelta(minutes=20)
    assert await job.check(app.clock()) == 0
    assert alarms_told(app, admin) == []


async def test_only_an_admin_marks_an_alarm_as_looked_at(wave_app: App) -> None:
    app = wave_app
    admin = await consented(app, STAFF_ID)
    job = job_of(app)
    await newcomers_cast(app, HONEST, ["Open-air library", "Youth music studio"])
    await job.check(app.clock())
    await newcomers_cast(app, WAVE, ["Repair café in Couvin"] * 8)
    app.clock.now = DURING_VOTE + timedelta(minutes=15)
    assert await job.check(app.clock()) == 1
    stranger = app.simulator.users[WAVE]
    await stranger.press(IntegrityButton(action=IntegrityAction.ACK, alarm=1).pack())
    assert stranger.alerts[-1] == "This button is not valid any more."
    [alarm] = await app.rows(IntegrityAlarmRow)
    assert alarm.acked_at is None
    refused = [row for row in await app.rows(AuditRow) if row.action == "refused_button"]
    assert [(row.actor, row.subject) for row in refused] == [(WAVE, "integrity_alarm:1")]
    await admin.press("ia:remove_ballots:1")
    assert admin.alerts[-1] == "This button is not valid any more."
    assert len(await app.ballots()) == 10


async def test_one_account_trying_many_numbers_is_told_with_no_number(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> None:
    await change_edition(sessionmaker, ("ask_phone = false", "ask_phone = true"))
    await put_projects_on_the_ballot(sessionmaker, edition_id)
    app = App(sessionmaker)
    app.clock.now = DURING_VOTE
    admin = await consented(app, STAFF_ID, "fr")
    citizen = await consented(app, WAVE)
    await citizen.click("🗳 Vote")
    await citizen.click("✅ Yes, I am an adult resident")
    await citizen.click("Namur district")
    await answer_identity(citizen)
    numbers = [f"+3247012340{digit}" for digit in range(5)]
    for number in numbers[:4]:
        await citizen.share_contact(number, own=False)
    await citizen.share_contact(numbers[0], own=False)  # the same again: counted once
    assert await job_of(app).check(app.clock()) == 0
    await citizen.share_contact(numbers[4])
    assert "left to spend" in citizen.last.text
    assert await job_of(app).check(app.clock()) == 1
    [told] = [shown.text for shown in admin.shown if "Alerte d'intégrité" in shown.text]
    assert "a essayé 5 numéros de téléphone différents le 20 avril 2027" in told
    counted = {(row.tally, row.n) for row in await app.rows(IntegrityCountRow)}
    assert ("registrations_by_block", 1) in counted, "the accepted number, in its block"
    stored = [
        str(value)
        for table in (IntegrityCountRow, IntegrityNumberRow, IntegrityAlarmRow)
        for row in await app.rows(table)
        for value in vars(row).values()
    ]
    for number in numbers:
        digits = number.removeprefix("+")
        assert not any(digits[-8:] in value for value in [*stored, told]), "no number kept"
    assert not any(str(WAVE) in value for value in [*stored, told]), "nor the account"

    # At the close, what was kept per account goes with the phone fingerprints; the alarm stays.
    assert await publish(sessionmaker, edition_id) == 0
    assert await app.count(IntegrityNumberRow) == 0
    assert await app.count(IntegrityAlarmRow) == 1
