"""Staff close the vote, which marks each project funded or not and queues the news, then post
a funded project's progress from the command line."""

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import select

from storage.database import create_engine, create_sessionmaker
from storage.tables import CampaignRow, ProgressRow, ProjectRow
from tests.support.command_line import cast_ballots, pbbot

PROJECTS_CSV = (
    "title,summary,cost\n"
    "Orchards in the schools,Apple trees by every school,49548\n"
    'A cycle lane,Along the Meuse,"120 000"\n'
    "Repair café,Fix rather than throw away,8500\n"
)


def rows(database: Path, table: type[Any]) -> list[Any]:
    async def read() -> list[Any]:
        engine = create_engine(f"sqlite+aiosqlite:///{database}")
        async with create_sessionmaker(engine)() as session:
            found = list(await session.scalars(select(table)))
        await engine.dispose()
        return found

    return asyncio.run(read())


def test_progress_is_posted_on_funded_projects_only(edition_dir: Path) -> None:
    (edition_dir / "projects.csv").write_text(PROJECTS_CSV, encoding="utf-8")
    pbbot("projects", "import", "projects.csv")
    asyncio.run(cast_ballots(edition_dir / "pbbot.db", [[1], [1], [3]]))
    code, output = pbbot("progress", "add", "1", "--stage", "works", "--text", "Planted.")
    assert (code, output.strip()) == (
        2,
        "pbbot: project no. 1 is not a funded project of the edition",
    ), "before the results nothing is funded"
    assert pbbot("vote", "close")[0] == 0
    funded = {
        row.id: (row.funded, row.votes, row.rank)
        for row in rows(edition_dir / "pbbot.db", ProjectRow)
    }
    assert funded == {1: (True, 2, 1), 2: (False, 0, 3), 3: (True, 1, 2)}

    code, output = pbbot(
        "progress",
        "add",
        "1",
        "--stage",
        "works",
        "--text",
        "Twenty trees planted.",
        "--photo",
        "https://example.org/orchard.jpg",
    )
    assert (code, output.strip()) == (
        0,
        "Progress posted on project no. 1 (works); it is on the project's card and goes to "
        "its 0 followers.",
    )
    [post] = rows(edition_dir / "pbbot.db", ProgressRow)
    assert (post.stage, post.text, post.photo) == (
        "works",
        "Twenty trees planted.",
        "https://example.org/orchard.jpg",
    )
    campaign = next(
        row
        for row in rows(edition_dir / "pbbot.db", CampaignRow)
        if row.name.startswith("Progress")
    )
    assert campaign.audience["kind"] == "followers" and campaign.audience["value"] == "1"
    assert campaign.image == "https://example.org/orchard.jpg"
    assert (
        "🚧 <b>Orchards in the schools</b> — Travaux\nTwenty trees planted."
        in (campaign.texts["fr"])
    )


def test_a_post_that_does_not_fit_is_refused_and_nothing_is_kept(edition_dir: Path) -> None:
    (edition_dir / "projects.csv").write_text(PROJECTS_CSV, encoding="utf-8")
    pbbot("projects", "import", "projects.csv")
    asyncio.run(cast_ballots(edition_dir / "pbbot.db", [[1]]))
    pbbot("vote", "close")
    for args, message in [
        (
            ("1", "--stage", "demolition", "--text", "x"),
            "--stage 'demolition' is not one of the edition's: studies, tender, works, "
            "delivered, cancelled",
        ),
        (("1", "--stage", "works", "--text", "  "), "--text is empty"),
        (("1", "--stage", "works", "--text", "x" * 801), "--text is longer than 800 characters"),
        (
            ("2", "--stage", "works", "--text", "x"),
            "project no. 2 is not a funded project of the edition",
        ),
        (
            ("1", "--stage", "works", "--text", "x", "--photo", "http://a.example/p.jpg"),
            "--photo: give an https URL",
        ),
    ]:
        code, output = pbbot("progress", "add", *args)
        assert (code, output.strip()) == (2, f"pbbot: {message}")
    assert rows(edition_dir / "pbbot.db", ProgressRow) == []
