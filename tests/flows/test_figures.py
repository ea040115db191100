"""Staff see the campaign in figures with /stats: participants, ideas, the vote and what each
channel brought, checked against what the database holds; charts in the reader's language."""

from collections import Counter

import pytest
from aiogram.methods import SendMessage, SendPhoto
from aiogram.types import BufferedInputFile
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rehearsal.simulator import Citizen
from storage.tables import CitizenRow, IdeaRow, TallyRow, VoterRow
from tests.support.app import (
    AGREE,
    DURING_VOTE,
    STAFF_ID,
    App,
    answer_identity,
    at_preview,
    at_title,
    cast_ballot,
    change_answer,
    change_edition,
    consented,
    deposit_idea,
    publish_everything_pending,
    put_projects_on_the_ballot,
)


@pytest.fixture
async def app(sessionmaker: async_sessionmaker[AsyncSession], edition_id: int) -> App:
    await put_projects_on_the_ballot(sessionmaker, edition_id)
    # Small districts, so that a handful of ballots makes a turnout worth reading.
    await change_edition(
        sessionmaker,
        ("population = 318000", "population = 400"),
        ("population = 112000", "population = 500"),
    )
    return App(sessionmaker)


async def through_link(app: App, user_id: int, source: str, lang: str = "en") -> Citizen:
    citizen = app.citizen(user_id, lang)
    await citizen.send(f"/start {source}")
    await citizen.click(AGREE[lang])
    return citizen


async def vote_in(citizen: Citizen, district: str) -> None:
    await citizen.send("/vote")
    await citizen.click("✅ Yes, I am an adult resident")
    await citizen.click(district)
    await answer_identity(citizen)


async def a_campaign(app: App) -> dict[str, Citizen]:
    """Four citizens from three channels, two ideas (one published), three ballots cast, one of
    them changed, and one withdrawn."""
    poster = await through_link(app, 1, "poster_dinant")
    await deposit_idea(app, 1, "We could plant an orchard")
    ad = await through_link(app, 2, "facebook_ad")
    await deposit_idea(app, 2, "A bench by the river")
    await publish_everything_pending(app)
    # Starts an idea and leaves it at the title.
    await at_title(app, 3)
    walker = await through_link(app, 4, "poster_dinant")

    app.clock.now = DURING_VOTE
    await vote_in(poster, "Namur district")
    await cast_ballot(poster, ["Orchards in the schools"])
    await vote_in(ad, "Dinant district")
    await cast_ballot(ad, ["Open-air library"])
    await cast_ballot(ad, ["Repair café in Couvin"])  # changed: version 2
    await vote_in(walker, "Dinant district")
    await cast_ballot(walker, ["Outdoor fitness in Ciney"])
    await walker.click("🗳 My envelope")
    await walker.click("🗑 Withdraw my ballot")
    await walker.click("🗑 Yes, withdraw it")
    return {"poster": poster, "ad": ad, "walker": walker}


def photos(app: App, since: int) -> list[bytes]:
    sent = app.sent_to(STAFF_ID)[since:]
    found = []
    for method in sent:
        if isinstance(method, SendPhoto):
            assert isinstance(method.photo, BufferedInputFile)
            found.append(method.photo.data)
    return found


async def test_stats_gives_staff_the_figures_the_database_holds(app: App) -> None:
    await a_campaign(app)
    staff = app.simulator.users[STAFF_ID]
    before = len(app.sent_to(STAFF_ID))
    await staff.send("/stats")
    [text] = [m.text for m in app.sent_to(STAFF_ID)[before:] if isinstance(m, SendMessage)]

    citizens = await app.rows(CitizenRow)
    ideas = await app.rows(IdeaRow)
    voters = await app.rows(VoterRow)
    ballots = await app.ballots()
    # The staff member consented too: five participants.
    assert len(citizens) == 5
    assert f"Participants: <b>{len(citizens)}</b>" in text
    assert "By language: en 5" in text
    assert f"Ideas: <b>{len(ideas)}</b> · supports: 0" in text
    statuses = Counter(idea.status for idea in ideas)
    assert statuses == {"published": 2}
    assert "By status: ✅ Published 2" in text
    assert "By theme: Environment and biodiversity 2" in text
    assert len(voters) == 3 and len(ballots) == 2
    assert "Voters registered: <b>3</b> · ballots cast: <b>2</b>" in text
    # Turnout by district: a rate of the edition file's population.
    assert "Namur district: ballots 1 (0.25% of 400 inhabitants), registered 1" in text
    assert "Dinant district: ballots 1 (0.20% of 500 inhabitants), registered 2" in text
    assert "Philippeville district: ballots 0 (0.00% of 68,000 inhabitants), registered 0" in text
    # The funnels: counts of steps, whoever took them.
    assert "Idea form: started 3 → previewed 2 → submitted 2 → published 2" in text, (
        "the third idea was left at its title"
    )
    assert "Vote: opened 3 → registered 3 → cast 3 · changed 1 · withdrawn 1" in text
    # Each channel: participants, ideas, and ballots held now.
    channels = text.split("By channel")[1].splitlines()[1:]
    assert channels == [
        "no link: participants 2, ideas 0, ballots 0",
        "poster_dinant: participants 2, ideas 1, ballots 1",
        "facebook_ad: participants 1, ideas 1, ballots 1",
    ]
    charts = photos(app, before)
    # Participants per day, channels, ideas by theme, turnout by district.
    assert len(charts) == 4
    assert all(chart.startswith(b"\x89PNG\r\n\x1a\n") for chart in charts)


async def test_the_counters_hold_no_row_per_citizen_and_no_choice(app: App) -> None:
    await a_campaign(app)
    rows = await app.rows(TallyRow)
    columns = set(TallyRow.__table__.columns.keys())
    assert columns == {"id", "edition_id", "day", "tally", "source", "district", "count"}
    # Two citizens of poster_dinant cast on the same day in different districts: each
    # (day, step, channel, district) is one counter, whoever took the step.
    cast = [(r.source, r.district, r.count) for r in rows if r.tally == "vote_cast"]
    assert sorted(cast) == [
        ("facebook_ad", "dinant", 1),
        ("poster_dinant", "dinant", 1),
        ("poster_dinant", "namur", 1),
    ]
    started = [r for r in rows if r.tally == "idea_started" and r.source == ""]
    assert [r.count for r in started] == [1]


async def test_stats_from_a_day_counts_only_what_happened_since(app: App) -> None:
    await a_campaign(app)
    staff = app.simulator.users[STAFF_ID]
    await staff.send("/stats 2027-04-01")
    text = next(s.text for s in reversed(staff.shown) if "in figures" in s.text)
    assert "since 1 April 2027" in text
    assert "Participants: <b>0</b>" in text
    assert "Ideas: <b>0</b>" in text
    assert "Idea form: started 0 → previewed 0 → submitted 0 → published 0" in text
    # The vote happened since: its steps are counted; ballots are as they stand.
    assert "Vote: opened 3 → registered 3 → cast 3 · changed 1 · withdrawn 1" in text
    assert "ballots cast: <b>2</b>" in text


async def test_stats_speaks_the_staff_members_language(app: App) -> None:
    await a_campaign(app)
    async with app.sessionmaker() as session:
        row = await session.scalar(select(CitizenRow).where(CitizenRow.telegram_id == STAFF_ID))
        assert row is not None
        row.language = "fr"
        await session.commit()
    app.start()
    staff = app.citizen(STAFF_ID, "fr")
    await staff.send("/stats")
    text = next(
        m.text
        for m in app.sent_to(STAFF_ID)
        if isinstance(m, SendMessage) and "en chiffres" in m.text
    )
    assert "Participants : <b>5</b>" in text
    assert "Par thème : Environnement et biodiversité 2" in text
    assert "Arrondissement de Namur : bulletins 1 (0,25\xa0% des 400 habitants), inscrits 1" in text


@pytest.mark.parametrize("typed", ["/stats", "/stats 2027-04-01"])
async def test_a_citizen_who_types_stats_gets_the_unknown_command_answer(
    app: App, typed: str
) -> None:
    await a_campaign(app)
    citizen = app.simulator.users[1]
    await citizen.send(typed)
    texts = [shown.text for shown in citizen.shown[-2:]]
    assert "I do not know this command." in texts
    assert not any("figures" in text for text in texts)
    assert not any(shown.photo for shown in citizen.shown[-2:])


async def test_a_day_written_wrongly_gets_the_usage(app: App) -> None:
    staff = await consented(app, STAFF_ID)
    await staff.send("/stats yesterday")
    assert staff.last.text == (
        "Write /stats for the whole campaign, or /stats 2027-04-01 for the figures from that "
        "day on."
    )


async def tallied(app: App) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in await app.rows(TallyRow):
        counts[row.tally] = counts.get(row.tally, 0) + row.count
    return counts


async def test_a_step_taken_again_by_the_same_citizen_counts_once(app: App) -> None:
    citizen = await at_preview(app)
    await change_answer(citizen, "Title")
    await citizen.send("We could plant two orchards")
    assert "Preview of your idea" in citizen.last.text
    await citizen.click("✅ Publish")
    assert await tallied(app) == {"idea_started": 1, "idea_previewed": 1, "idea_submitted": 1}
    app.clock.now = DURING_VOTE
    await citizen.send("/vote")
    await citizen.send("/vote")
    assert (await tallied(app))["vote_opened"] == 1, "opened again before registering"


async def test_stats_of_a_campaign_not_begun_says_nothing_happened_and_draws_nothing(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> None:
    app = App(sessionmaker)
    staff = await consented(app, STAFF_ID)
    before = len(app.sent_to(STAFF_ID))
    await staff.send("/stats")
    text = next(s.text for s in reversed(staff.shown) if "in figures" in s.text)
    assert "Participants: <b>1</b>" in text
    assert "Idea form: started 0 → previewed 0 → submitted 0 → published 0" in text
    assert "By channel" not in text
    assert len(photos(app, before)) == 1, "one new participant today: the staff member"
