"""`pbbot stats` gives staff the figures the database holds, and `pbbot export` the ideas, the
projects and the participation as spreadsheets, with nothing of who anyone is."""

import asyncio
import base64
import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.tables import CitizenRow, IdeaRow, VoterRow
from tests.flows.test_figures import a_campaign
from tests.support.app import App, change_edition, put_projects_on_the_ballot
from tests.support.command_line import pbbot

TEST_KEY = b"pbbot-tests-key-32-bytes-long!!!"


@pytest.fixture
async def campaign(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int, workdir: Path
) -> App:
    """The campaign of the /stats tests, run by the bot on the database `pbbot` reads, with
    the key the bot sealed its ballots with."""
    (workdir / "pbbot.key").write_text(base64.urlsafe_b64encode(TEST_KEY).decode() + "\n")
    await put_projects_on_the_ballot(sessionmaker, edition_id)
    await change_edition(
        sessionmaker,
        ("population = 318000", "population = 400"),
        ("population = 112000", "population = 500"),
    )
    app = App(sessionmaker)
    await a_campaign(app)
    return app


async def run(*args: str) -> tuple[int, str]:
    """`pbbot ARGS` from an async test: in a thread, the command running its own loop."""
    return await asyncio.to_thread(pbbot, *args)


async def test_stats_in_json_are_the_figures_the_database_holds(campaign: App) -> None:
    code, output = await run("stats", "--json")
    assert code == 0, output
    figures = json.loads(output)
    citizens = await campaign.rows(CitizenRow)
    ideas = await campaign.rows(IdeaRow)
    voters = await campaign.rows(VoterRow)
    ballots = await campaign.ballots()
    assert figures["participants"]["total"] == len(citizens) == 5
    assert figures["participants"]["by_language"] == {"en": 5}
    assert figures["participants"]["by_source"] == dict(
        Counter(c.source or "none" for c in citizens)
    )
    assert figures["ideas"]["total"] == len(ideas) == 2
    assert figures["ideas"]["by_status"] == dict(Counter(i.status for i in ideas))
    assert figures["vote"]["voters"] == len(voters) == 3
    assert figures["vote"]["ballots"] == len(ballots) == 2
    by_district = figures["vote"]["by_district"]
    assert by_district["namur"] == {
        "voters": 1,
        "ballots": 1,
        "population": 400,
        "turnout": 1 / 400,
    }
    assert by_district["dinant"]["ballots"] == 1 and by_district["dinant"]["voters"] == 2
    assert figures["funnel"] == {
        "idea": {
            "idea_started": 3,
            "idea_previewed": 2,
            "idea_submitted": 2,
            "idea_published": 2,
        },
        "vote": {
            "vote_opened": 3,
            "vote_registered": 3,
            "vote_cast": 3,
            "vote_changed": 1,
            "vote_withdrawn": 1,
        },
    }
    assert figures["sources"] == {
        "none": {"participants": 2, "ideas": 0, "ballots": 0},
        "facebook_ad": {"participants": 1, "ideas": 1, "ballots": 1},
        "poster_dinant": {"participants": 2, "ideas": 1, "ballots": 1},
    }


async def test_stats_as_text_and_since_a_day(campaign: App) -> None:
    code, output = await run("stats")
    assert code == 0, output
    assert "Participants: 5" in output
    assert "  namur: 1 ballots, 1 voters; turnout 0.25% of 400" in output
    assert "Idea form: started 3 > previewed 2 > submitted 2 > published 2" in output
    assert "Vote: opened 3 > registered 3 > cast 3, changed 1, withdrawn 1" in output
    assert "  poster_dinant: 2 participants, 1 ideas, 1 ballots" in output
    code, output = await run("stats", "--since", "2027-04-01")
    assert "Participants since 2027-04-01: 0" in output
    assert "Idea form: started 0 > previewed 0 > submitted 0 > published 0" in output
    assert (await run("stats", "--since", "April"))[0] == 2


async def test_the_ideas_export_has_each_idea_and_nothing_of_its_author(
    campaign: App, workdir: Path
) -> None:
    assert await run("export", "ideas", "--csv") == (0, "2 rows written to ideas.csv.\n")
    rows = list(csv.DictReader(io.StringIO((workdir / "ideas.csv").read_text("utf-8-sig"))))
    ideas = {idea.id: idea for idea in await campaign.rows(IdeaRow)}
    assert {int(row["number"]): row["title"] for row in rows} == {
        number: idea.title for number, idea in ideas.items()
    }
    assert rows[0]["status"] == "published" and rows[0]["estimated budget (EUR)"] == "12500"
    assert rows[0]["published on"] == "2026-12-01"
    citizens = await campaign.rows(CitizenRow)
    written = (workdir / "ideas.csv").read_text("utf-8-sig")
    assert not any(str(citizen.telegram_id) in written.split(",") for citizen in citizens)
    assert not {"author", "citizen", "telegram_id", "organisation"} & set(rows[0])


async def test_the_projects_carry_their_votes_only_once_the_vote_is_closed(
    campaign: App, workdir: Path
) -> None:
    assert (await run("export", "projects", "--xlsx"))[0] == 0
    sheet = load_workbook(workdir / "projects.xlsx").active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    assert header == ["number", "title", "theme", "district", "cost (EUR)"]
    assert sheet.max_row == 8
    assert (await run("vote", "close"))[0] == 0
    assert (await run("export", "projects", "--xlsx", "--out", "final.xlsx"))[0] == 0
    sheet = load_workbook(workdir / "final.xlsx").active
    assert sheet is not None
    rows = {row[1]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert [cell.value for cell in sheet[1]][-2:] == ["votes", "funded"]
    assert rows["Orchards in the schools (fr)"][-2:] == (1, "yes")
    assert rows["Repair café in Couvin (fr)"][-2:] == (1, "yes")
    assert rows["Open-air library (fr)"][-2:] == (1, "yes"), "kept in the changed ballot"
    assert rows["Outdoor fitness in Ciney (fr)"][-2:] == (0, "no"), "its ballot was withdrawn"


async def test_participation_is_counted_day_by_day(campaign: App, workdir: Path) -> None:
    assert (await run("export", "participation", "--csv"))[0] == 0
    rows = list(csv.DictReader(io.StringIO((workdir / "participation.csv").read_text("utf-8-sig"))))
    by_day = {row["day"]: row for row in rows}
    assert by_day["2026-12-01"]["participants"] == "5"
    assert by_day["2026-12-01"]["idea_started"] == "3"
    assert by_day["2027-04-20"]["vote_cast"] == "3"
    assert by_day["2027-04-20"]["vote_withdrawn"] == "1"


def test_an_export_needs_one_format(workdir: Path) -> None:
    code, output = pbbot("export", "ideas")
    assert code == 2
    assert "say --csv or --xlsx" in output
