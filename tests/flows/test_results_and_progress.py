"""After the vote: the results become statuses, those concerned are told once, citizens follow
the funded projects and staff post their progress, each post sent once to the followers."""

from datetime import UTC, datetime, timedelta

import pytest
from aiogram.methods import SendMessage, SendPhoto
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs.campaigns import Broadcaster
from bot.jobs.publication import publish_closed_vote
from bot.runtime.callbacks import ProgressButton, ProjectButton
from bot.runtime.i18n import create_i18n
from bot.runtime.render import Renderer
from budget.edition import Phase
from storage.committee import put_idea_on_ballot
from storage.tables import CampaignRow, FollowRow, IdeaRow, ProgressRow, ProjectRow
from storage.unit_of_work import UnitOfWork
from tests.support.app import (
    AFTER_VOTE,
    DURING_ANALYSIS,
    DURING_VOTE,
    STAFF_ID,
    TEST_SEALER,
    App,
    at_envelope,
    cast_ballot,
    consented,
    deposit_idea,
    idea_in_status,
    open_card,
    publish_everything_pending,
)

CYCLE_LANE = "A cycle lane along the Meuse"
REPAIR_CAFE = "Un café réparation à Couvin"
LIBRARY = "Open-air library"
AUTHOR, SUPPORTER, OTHER_AUTHOR = 10, 11, 20
ASKED, VOTER, THIRD_VOTER = 1, 2, 3
RENDERER = Renderer(create_i18n())
UNKNOWN_COMMAND = "I do not know this command."


async def on_ballot(app: App, idea_id: int, euros: int) -> None:
    """The committee retained the idea; it is on the ballot at its cost after analysis."""
    async with UnitOfWork(app.sessionmaker) as uow:
        idea = await uow.session.get(IdeaRow, idea_id)
        assert idea is not None
        idea.status = "retained"
        await put_idea_on_ballot(uow.projects, idea, euros * 100, "fr", datetime.now(UTC))
        await uow.commit()


async def publish(app: App) -> None:
    """One pass of the bot's watch over the close of the vote and the results phase."""
    await publish_closed_vote(app.sessionmaker, TEST_SEALER, None, app.clock(), RENDERER)


SENDERS: dict[int, Broadcaster] = {}


async def broadcast(app: App) -> None:
    """Two ticks of the bot's campaign outbox, through the app's recording Bot session: the
    same outbox while the bot runs, a new one once it is started again."""
    sending = SENDERS.get(id(app.simulator))
    if sending is None:
        sending = Broadcaster(app.simulator.bot, app.sessionmaker, RENDERER, None, 1e3, app.clock)
        SENDERS[id(app.simulator)] = sending
    await sending.tick()
    await sending.tick()


def texts_to(app: App, chat_id: int) -> list[str]:
    """What the bot sent to this chat on its own (campaigns), not in answer to the chat."""
    return [
        str(method.text if isinstance(method, SendMessage) else method.caption)
        for method in app.simulator.session.requests[app.mark :]
        if isinstance(method, SendMessage | SendPhoto) and int(method.chat_id) == chat_id
    ]


@pytest.fixture
async def results_app(sessionmaker: async_sessionmaker[AsyncSession], edition_id: int) -> App:
    """An edition run from the deposit to its results: an idea deposited, published and
    supported; another one in French; an imported project; three voters, one of whom asked to
    be told the results."""
    app = App(sessionmaker)
    await deposit_idea(app, AUTHOR, CYCLE_LANE)
    await publish_everything_pending(app)
    supporter = await consented(app, SUPPORTER)
    await supporter.click("🔎 Browse the ideas")
    await open_card(supporter, CYCLE_LANE)
    await supporter.click("👍 Support this idea")
    [cycle_lane] = await app.rows(IdeaRow)
    french = await idea_in_status(
        sessionmaker, edition_id, OTHER_AUTHOR, REPAIR_CAFE, "published", "fr"
    )
    await on_ballot(app, cycle_lane.id, 150_000)
    await on_ballot(app, french, 120_000)
    async with UnitOfWork(sessionmaker) as uow:
        await uow.projects.add(
            edition_id, {"en": LIBRARY}, {"en": "Books in the park."}, 15_000_00, datetime.now(UTC)
        )
        await uow.commit()
    app.clock.now = DURING_VOTE
    for user_id, chosen in ((ASKED, CYCLE_LANE), (VOTER, CYCLE_LANE), (THIRD_VOTER, REPAIR_CAFE)):
        voter = await at_envelope(app, user_id)
        await cast_ballot(voter, [chosen])
    await app.simulator.users[ASKED].click("🔔 Tell me the results")
    app.clock.now = AFTER_VOTE
    # From here on, what the bot sends to those who do nothing is news.
    app.mark = len(app.simulator.session.requests)
    return app


async def test_an_edition_from_deposit_to_results_to_a_delivered_project_tells_each_once(
    results_app: App,
) -> None:
    app = results_app
    await publish(app)
    await publish(app)  # the watch's next pass, or another process: nothing twice
    projects = {
        row.title.get("fr") or row.title.get("en"): row for row in await app.rows(ProjectRow)
    }
    assert (projects[CYCLE_LANE].funded, projects[CYCLE_LANE].votes) == (True, 2)
    assert (projects[REPAIR_CAFE].funded, projects[REPAIR_CAFE].rank) == (False, 2)
    assert (projects[LIBRARY].funded, projects[LIBRARY].votes) == (False, 0)
    statuses = {row.title: row.status for row in await app.rows(IdeaRow)}
    assert statuses == {CYCLE_LANE: "winner", REPAIR_CAFE: "not_funded"}
    await broadcast(app)

    [to_author] = texts_to(app, AUTHOR)
    assert f"🏆 <b>{CYCLE_LANE}</b> is funded: 2 votes, number 1 of 3 projects." in to_author
    assert texts_to(app, SUPPORTER) == [to_author]
    [to_french_author] = texts_to(app, OTHER_AUTHOR)
    assert f"<b>{REPAIR_CAFE}</b> n'est pas financé : 1 voix, 2ᵉ sur 3 projets." in to_french_author
    assert "Il ne tenait pas dans les 50" in to_french_author
    [announcement] = texts_to(app, ASKED)
    assert "🏆 <b>The results of the Province of Namur participatory budget are out</b>" in (
        announcement
    )
    assert f"✅ {CYCLE_LANE}" in announcement
    assert app.simulator.users[ASKED].last.labels[0] == "🏆 See the results"
    assert texts_to(app, VOTER) == texts_to(app, THIRD_VOTER) == [], "they did not ask"

    # The staff post that the cycle lane is delivered.
    staff = app.simulator.users[STAFF_ID]
    await staff.send("/progress")
    assert staff.last.labels == [CYCLE_LANE, "✖️ Cancel"], "only funded projects"
    await staff.click(CYCLE_LANE)
    await staff.click("Delivered")
    await staff.send("The lane is open from Namur to Dinant.")
    await staff.click("No photo ⏭")
    preview, summary = staff.shown[-2:]
    assert preview.text.startswith(f"🚧 <b>{CYCLE_LANE}</b> — Delivered")
    assert "2 followers" in summary.text
    await staff.click("✅ Post and send")
    assert "on its way to its 2 followers" in staff.last.text
    await broadcast(app)
    for follower in (AUTHOR, SUPPORTER):
        news = [text for text in texts_to(app, follower) if "Delivered" in text]
        assert news == [
            f"🚧 <b>{CYCLE_LANE}</b> — Delivered\nThe lane is open from Namur to Dinant.\n"
            "<i>20 May 2027</i>"
        ]
    assert all("Delivered" not in text for text in texts_to(app, ASKED))

    # A restart, the watch and the outbox again: nobody is told anything twice.
    counts = {chat: len(texts_to(app, chat)) for chat in (AUTHOR, SUPPORTER, OTHER_AUTHOR, ASKED)}
    assert counts == {AUTHOR: 2, SUPPORTER: 2, OTHER_AUTHOR: 1, ASKED: 1}
    app.start()
    # The old process's hold on the schedule runs out a minute after it died.
    app.clock.now += timedelta(minutes=2)
    await publish(app)
    await broadcast(app)
    assert all(texts_to(app, chat) == [] for chat in counts)
    assert await app.count(CampaignRow) == 4, "the two followers', the voters', the progress"

    # The card shows the post with its date; /projects lists the funded ones with their stage.
    reader = app.citizen(AUTHOR)
    await reader.send("/myideas")
    assert "🏆 Winner: will be carried out" in reader.last.text
    await reader.send("/projects")
    assert f"1. {CYCLE_LANE} — Delivered" in reader.last.text
    assert REPAIR_CAFE not in reader.last.text
    await reader.click(CYCLE_LANE)
    card = reader.last.text
    assert "🏆 Funded · €150,000 · 2 votes, number 1 in the ranking" in card
    assert "🚧 Stage: <b>Delivered</b>" in card
    assert "<i>20 May 2027</i> · Delivered\nThe lane is open from Namur to Dinant." in card


async def test_results_show_the_whole_ranking_with_each_rule_outcome_in_words(
    results_app: App,
) -> None:
    citizen = await consented(results_app, 40)
    await citizen.send("/results")
    text = citizen.last.text
    assert "🗳 Ballots cast: 3" in text
    assert "Projects funded: 1, for €150,000 out of €200,000" in text
    assert f"1. ✅ <b>{CYCLE_LANE}</b> — €150,000\nVotes: 2" in text
    assert (
        f"2. ❌ <b>{REPAIR_CAFE}</b> — €120,000\n"
        "Votes: 1 · skipped: did not fit in the €50,000 left"
    ) in text
    assert f"3. <b>{LIBRARY}</b> — €15,000\nVotes: 0 · not funded: nobody voted for it" in text
    assert citizen.shown[-2].photo == "uploaded", "the chart comes first"


async def test_vote_after_a_close_by_hand_says_it_is_closed_and_points_to_the_results(
    results_app: App,
) -> None:
    app = results_app
    # A rehearsal before the vote's dates: staff closed it by hand.
    app.clock.now = DURING_ANALYSIS
    await set_phases(app, {Phase.VOTE: False})
    voter = app.citizen(VOTER)
    await voter.send("/vote")
    assert voter.last.text == "🗳 The vote is closed."
    await set_phases(app, {Phase.VOTE: False, Phase.RESULTS: True})  # as `pbbot vote close`
    voter = app.citizen(VOTER)
    await voter.send("/vote")
    assert voter.last.text == "🗳 The vote is closed.\n\nThe results are out: /results"
    await voter.click("🏆 The results")
    assert "🗳 Ballots cast: 3" in voter.last.text


async def set_phases(app: App, phases: dict[Phase, bool]) -> None:
    async with UnitOfWork(app.sessionmaker) as uow:
        stored = await uow.editions.current(None)
        assert stored is not None
        for phase, is_open in phases.items():
            await uow.editions.set_phase(stored.edition.slug, phase, is_open)
        await uow.commit()
    # The bot reads the edition again (after EDITION_REFRESH_SECONDS in the running bot).
    app.start()


async def follower_app(results_app: App) -> App:
    await publish(results_app)
    await broadcast(results_app)
    return results_app


async def test_citizens_follow_a_funded_project_and_its_followers_can_stop(
    results_app: App,
) -> None:
    app = await follower_app(results_app)
    newcomer = await consented(app, 50)
    await newcomer.send("/projects")
    await newcomer.click(CYCLE_LANE)
    assert "No progress posted yet" in newcomer.last.text
    await newcomer.click("🔔 Follow this project")
    assert newcomer.alerts[-1] == "🔔 You follow this project."
    # Forged buttons: a project that is not there, one that was not funded, an unknown action.
    not_funded = next(row.id for row in await app.rows(ProjectRow) if row.funded is False)
    await newcomer.press(ProjectButton(action="follow", project=999).pack())
    assert newcomer.alerts[-1] == "This project is not (or no longer) in the results."
    await newcomer.press(ProjectButton(action="follow", project=not_funded).pack())
    assert newcomer.alerts[-1] == "Only funded projects can be followed."
    await newcomer.press(f"p:explode:{not_funded}")
    assert newcomer.alerts[-1] != "🔔 You follow this project."
    assert await app.count(FollowRow) == 1
    assert "🔕 Stop following" in newcomer.last.labels
    supporter = app.simulator.users[SUPPORTER]
    # From the results message itself, as a follower by default would: the message stays.
    news = supporter.last
    await supporter.click("🔕 Stop following")
    assert supporter.alerts[-1] == "🔕 You no longer follow this project."
    assert supporter.last is news and "is funded" in news.text
    await supporter.click("📋 The project")
    assert supporter.last is not news
    assert "🔔 Follow this project" in supporter.last.labels
    staff = app.simulator.users[STAFF_ID]
    await staff.send("/progress")
    await staff.click(CYCLE_LANE)
    await staff.click("Works")
    await staff.send("The works have begun.")
    await staff.send_photo("photo-works")
    assert app.simulator.users[STAFF_ID].shown[-2].photo == "photo-works"
    assert "2 followers" in staff.last.text, "the author and the newcomer"
    await staff.click("✅ Post and send")
    await broadcast(app)
    got = [m for m in app.sent_to(50) if isinstance(m, SendPhoto)]
    assert len(got) == 1 and got[0].photo == "photo-works"
    assert all("works have begun" not in text for text in texts_to(app, SUPPORTER))
    assert any("works have begun" in text for text in texts_to(app, AUTHOR))


async def test_progress_is_for_staff_and_refuses_what_does_not_fit(results_app: App) -> None:
    app = await follower_app(results_app)
    citizen = app.simulator.users[VOTER]
    await citizen.send("/progress")
    assert citizen.shown[-2].text == UNKNOWN_COMMAND
    forged = ProgressButton(token="abc", seq=1, action="confirm").pack()
    await citizen.press(forged)
    assert citizen.alerts[-1] == "This button no longer applies: write /progress to start again."
    assert await app.count(ProgressRow) == 0
    staff = app.simulator.users[STAFF_ID]
    await staff.send("/progress")
    await staff.click(CYCLE_LANE)
    await staff.click("Cancelled")
    assert "Write why the project is cancelled" in staff.last.text
    await staff.send("x" * 801)
    assert staff.last.text == "Too long: 800 characters at most."
    await staff.send("The land turned out to be private.")
    await staff.click("No photo ⏭")
    assert staff.shown[-2].text.startswith(f"❌ <b>{CYCLE_LANE}</b> — Cancelled\nWhy: The land")
    await staff.click("✖️ Cancel")
    assert staff.last.text == "Post cancelled: nothing was sent."
    assert await app.count(ProgressRow) == 0
    async with app.sessionmaker() as session:
        assert (await session.scalars(select(CampaignRow.name))).all().count("Results") == 1


async def digest(app: App, name: str) -> None:
    """A campaign to the followers of the funded projects, due now, as staff compose it."""
    async with UnitOfWork(app.sessionmaker) as uow:
        stored = await uow.editions.current(None)
        assert stored is not None
        await uow.campaigns.add(
            stored.id,
            name=name,
            texts={"en": "This week on the funded projects:", "fr": "Cette semaine :"},
            html=False,
            image=None,
            button=None,
            button_url=None,
            audience={"kind": "followers"},
            schedule={"kind": "now"},
            results_announcement=False,
            created_by=STAFF_ID,
            now=app.clock(),
        )
        await uow.commit()


async def test_a_digest_campaign_tells_the_followers_the_progress_of_the_period(
    results_app: App,
) -> None:
    app = await follower_app(results_app)
    async with UnitOfWork(app.sessionmaker) as uow:
        stored = await uow.editions.current(None)
        assert stored is not None
        [project] = await uow.accountability.funded(stored.id)
        await uow.accountability.add_post(
            project, "tender", "The tender is out.", None, STAFF_ID, app.clock()
        )
        await uow.commit()
    app.mark = len(app.simulator.session.requests)
    await digest(app, "Weekly digest")
    await broadcast(app)
    [to_author] = texts_to(app, AUTHOR)
    assert to_author == (
        "This week on the funded projects:\n\n"
        f"🚧 <b>{CYCLE_LANE}</b> — Tender · <i>20 May 2027</i>\nThe tender is out."
    )
    assert len(texts_to(app, SUPPORTER)) == 1
    assert texts_to(app, VOTER) == [], "a voter who follows nothing"
    # A week later with nothing new: nobody is bothered.
    app.clock.now += timedelta(days=8)
    app.mark = len(app.simulator.session.requests)
    await digest(app, "Weekly digest, the week after")
    await broadcast(app)
    assert texts_to(app, AUTHOR) == texts_to(app, SUPPORTER) == []
