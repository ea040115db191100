"""Campaigns as the running bot sends them: due runs started once with their audience as it
stands, each citizen's own language, nothing after /stop, the composer following progress."""

import json
from datetime import UTC, datetime, timedelta

from aiogram import Bot
from sqlalchemy import select, update

from bot.jobs.campaigns import Broadcaster
from bot.runtime.i18n import create_i18n
from bot.runtime.render import Renderer
from conversations.replies import Text
from storage.tables import CampaignRow, CampaignRunRow, CitizenRow
from storage.unit_of_work import UnitOfWork
from tests.support.deliveries import Sessionmaker
from tests.support.fake_bot_api import FakeBotApi
from tests.support.voting import cast, on_ballot, registered

MONDAY = datetime(2027, 4, 19, 16, tzinfo=UTC)  # 18:00 in Brussels
STAFF = 900_001


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def citizens(sessionmaker: Sessionmaker, languages: dict[int, str]) -> None:
    async with UnitOfWork(sessionmaker) as uow:
        for telegram_id, language in languages.items():
            await uow.citizens.consent(telegram_id, language, None, MONDAY)
        await uow.commit()


async def campaign(sessionmaker: Sessionmaker, edition_id: int, **changes: object) -> int:
    values: dict[str, object] = {
        "name": "Reminder",
        "texts": {"fr": "Avez-vous voté ?", "nl": "Hebt u gestemd?"},
        "html": False,
        "image": None,
        "button": "vote",
        "button_url": None,
        "audience": {"kind": "everyone"},
        "schedule": {"kind": "now"},
        "results_announcement": False,
        "created_by": STAFF,
        "now": MONDAY,
    }
    values.update(changes)
    async with UnitOfWork(sessionmaker) as uow:
        stored = await uow.campaigns.add(edition_id, **values)  # type: ignore[arg-type]
        await uow.commit()
    return stored.id


def broadcaster(bot: Bot, sessionmaker: Sessionmaker, clock: Clock) -> Broadcaster:
    return Broadcaster(bot, sessionmaker, Renderer(create_i18n()), None, 200.0, clock)


async def test_a_campaign_reaches_each_citizen_once_in_their_language(
    sessionmaker: Sessionmaker, edition_id: int, api: FakeBotApi, bot: Bot
) -> None:
    await citizens(sessionmaker, {1: "fr", 2: "nl", 3: "de", 4: "fr", STAFF: "en"})
    async with UnitOfWork(sessionmaker) as uow:
        await uow.session.execute(
            update(CitizenRow)
            .where(CitizenRow.telegram_id == 4)
            .values(reminders_stopped_at=MONDAY)
        )
        await uow.commit()
    await campaign(sessionmaker, edition_id)
    sending = broadcaster(bot, sessionmaker, Clock(MONDAY))
    await sending.tick()
    await sending.tick()  # nothing is due any more: nobody gets it twice
    assert api.received() == {1: 1, 2: 1, 3: 1, STAFF: 2}, "the staff: the campaign and progress"
    assert api.sent_texts(1) == ["Avez-vous voté ?"]
    assert api.sent_texts(2) == ["Hebt u gestemd?"]
    assert api.sent_texts(3) == ["Avez-vous voté ?"], "no German text: the first language's"
    [sent] = [
        params
        for method, params in api.calls
        if method == "sendMessage" and int(params["chat_id"]) == 2
    ]
    stop = Renderer(create_i18n()).text(Text("broadcast.citizen.stop"), "nl")
    assert json.loads(sent["reply_markup"])["inline_keyboard"][-1][0]["text"] == stop
    edits = [params["text"] for method, params in api.calls if method == "editMessageText"]
    assert edits and "Sent: 4" in edits[-1] and "finished" in edits[-1]
    assert await states(sessionmaker, CampaignRunRow) == ["done"]
    assert await states(sessionmaker, CampaignRow) == ["done"]


async def test_a_weekly_reminder_skips_those_who_voted_since(
    sessionmaker: Sessionmaker, edition_id: int, api: FakeBotApi, bot: Bot
) -> None:
    projects = await on_ballot(sessionmaker, edition_id)
    voter = await registered(sessionmaker, edition_id, 1)
    await registered(sessionmaker, edition_id, 2)
    schedule = {
        "kind": "weekly",
        "weekday": 0,
        "hour": "18:00",
        "start": "2027-04-15",
        "end": "2027-05-15",
    }
    await campaign(sessionmaker, edition_id, audience={"kind": "not_voted"}, schedule=schedule)
    clock = Clock(MONDAY + timedelta(minutes=5))
    sending = broadcaster(bot, sessionmaker, clock)
    await sending.tick()
    assert {chat: n for chat, n in api.received().items() if chat != STAFF} == {1: 1, 2: 1}
    await cast(sessionmaker, edition_id, voter, [projects[0].id], projects)
    clock.now += timedelta(days=7)
    await sending.tick()
    reminded = {chat: n for chat, n in api.received().items() if chat != STAFF}
    assert reminded == {1: 1, 2: 2}, "the voter is no longer reminded"
    assert await states(sessionmaker, CampaignRunRow) == ["done", "done"]


async def test_a_paused_run_waits_and_a_cancelled_one_sends_no_more(
    sessionmaker: Sessionmaker, edition_id: int, api: FakeBotApi, bot: Bot
) -> None:
    await citizens(sessionmaker, {1: "fr", 2: "fr"})
    await campaign(sessionmaker, edition_id)
    sending = broadcaster(bot, sessionmaker, Clock(MONDAY))
    [run] = await sending.start_due_runs()
    async with UnitOfWork(sessionmaker) as uow:
        await uow.campaigns.set_run_state(run.id, "paused", MONDAY)
        await uow.commit()
    await sending.tick()
    assert api.received() == {}
    async with UnitOfWork(sessionmaker) as uow:
        await uow.campaigns.set_run_state(run.id, "cancelled", MONDAY)
        await uow.commit()
    await sending.tick()
    assert api.received() == {}


async def states(
    sessionmaker: Sessionmaker, table: type[CampaignRow | CampaignRunRow]
) -> list[str]:
    async with UnitOfWork(sessionmaker) as uow:
        return list(await uow.session.scalars(select(table.state).order_by(table.id)))


async def test_who_stops_reminders_while_a_run_is_paused_gets_nothing_of_it(
    sessionmaker: Sessionmaker, edition_id: int, api: FakeBotApi, bot: Bot
) -> None:
    await citizens(sessionmaker, {1: "fr", 2: "fr"})
    await campaign(sessionmaker, edition_id)
    sending = broadcaster(bot, sessionmaker, Clock(MONDAY))
    [run] = await sending.start_due_runs()
    async with UnitOfWork(sessionmaker) as uow:
        await uow.campaigns.set_run_state(run.id, "paused", MONDAY)
        stopping = await uow.citizens.by_telegram_id(1)
        assert stopping is not None
        await uow.citizens.set_reminders(stopping.id, False, MONDAY)
        await uow.campaigns.set_run_state(run.id, "sending", MONDAY)
        await uow.commit()
    await sending.tick()
    assert api.received() == {2: 1}
    assert await states(sessionmaker, CampaignRunRow) == ["done"]
    async with UnitOfWork(sessionmaker) as uow:
        counts = await uow.deliveries.counts(run.id)
    assert (counts["sent"], counts["skipped"]) == (1, 1)


async def test_a_results_announcement_still_reaches_who_asked_for_it_after_stop(
    sessionmaker: Sessionmaker, edition_id: int, api: FakeBotApi, bot: Bot
) -> None:
    await citizens(sessionmaker, {1: "fr", 2: "fr"})
    await campaign(sessionmaker, edition_id, results_announcement=True)
    sending = broadcaster(bot, sessionmaker, Clock(MONDAY))
    await sending.start_due_runs()
    async with UnitOfWork(sessionmaker) as uow:
        for telegram_id, asked in ((1, True), (2, False)):
            citizen = await uow.citizens.by_telegram_id(telegram_id)
            assert citizen is not None
            if asked:
                await uow.citizens.want_results(citizen.id)
            await uow.citizens.set_reminders(citizen.id, False, MONDAY)
        await uow.commit()
    await sending.tick()
    assert api.received() == {1: 1}


async def test_a_campaign_that_cannot_be_read_does_not_hold_back_the_others(
    sessionmaker: Sessionmaker, edition_id: int, api: FakeBotApi, bot: Bot
) -> None:
    await citizens(sessionmaker, {1: "fr"})
    faulty = {
        "kind": "weekly",
        "weekday": 0,
        "hour": "18:00",
        "start": "2027-04-15T00:00:00",
        "end": "2027-05-15",
    }
    await campaign(sessionmaker, edition_id, schedule=faulty)
    await campaign(sessionmaker, edition_id)
    await broadcaster(bot, sessionmaker, Clock(MONDAY)).tick()
    assert api.received() == {1: 1, STAFF: 1}
    assert await states(sessionmaker, CampaignRow) == ["scheduled", "done"]


async def test_the_schedules_holder_settles_what_a_stopped_process_left_sending(
    sessionmaker: Sessionmaker, edition_id: int, api: FakeBotApi, bot: Bot
) -> None:
    await citizens(sessionmaker, {1: "fr", 2: "fr"})
    await campaign(sessionmaker, edition_id)
    clock = Clock(MONDAY)
    sending = broadcaster(bot, sessionmaker, clock)
    [run] = await sending.start_due_runs()
    async with UnitOfWork(sessionmaker) as uow:
        # A process that was redeployed away in the middle of its calls.
        await uow.deliveries.claim(run.id, 1, MONDAY)
        await uow.commit()
    clock.now += timedelta(minutes=10)
    await sending.tick()
    assert api.received() == {2: 1}, "the message in doubt is never sent again"
    assert await states(sessionmaker, CampaignRunRow) == ["done"]
    async with UnitOfWork(sessionmaker) as uow:
        counts = await uow.deliveries.counts(run.id)
    assert (counts["sent"], counts["unknown"], counts["sending"]) == (1, 1, 0)


async def test_a_run_for_nobody_is_announced_finished_with_no_buttons(
    sessionmaker: Sessionmaker, edition_id: int, api: FakeBotApi, bot: Bot
) -> None:
    await citizens(sessionmaker, {STAFF: "en"})
    await campaign(sessionmaker, edition_id, audience={"kind": "language", "value": "nl"})
    await broadcaster(bot, sessionmaker, Clock(MONDAY)).tick()
    [announced] = [
        params
        for method, params in api.calls
        if method == "sendMessage" and int(params["chat_id"]) == STAFF
    ]
    assert "finished" in announced["text"]
    assert not announced.get("reply_markup")
    assert await states(sessionmaker, CampaignRunRow) == ["done"]
