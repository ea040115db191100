"""`pbbot citizen export|forget` and `pbbot purge`, as a data-protection officer runs them."""

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

from storage.database import create_engine, create_sessionmaker
from storage.unit_of_work import UnitOfWork
from tests.support.command_line import pbbot


async def a_citizen_with_an_idea(database: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    from tests.support.app import idea_in_status

    async with UnitOfWork(create_sessionmaker(engine)) as uow:
        stored = await uow.editions.current(None)
        assert stored is not None
        edition_id = stored.id
    await idea_in_status(create_sessionmaker(engine), edition_id, 424242, "A fountain", "submitted")
    await engine.dispose()


def test_a_citizens_data_is_exported_then_forgotten(edition_dir: Path) -> None:
    asyncio.run(a_citizen_with_an_idea(edition_dir / "pbbot.db"))
    code, output = pbbot("citizen", "export", "424242")
    assert code == 0, output
    data = json.loads(output)
    assert data["ideas"][0]["title"] == "A fountain"
    code, output = pbbot("citizen", "export", "424242", "--out", "data.json")
    assert (code, output.strip()) == (0, "Written to data.json.")
    code, output = pbbot("citizen", "forget", "424242", "--yes")
    assert code == 0, output
    assert "Ideas deleted (not published): 1" in output
    code, output = pbbot("citizen", "export", "424242")
    assert (code, output.strip()) == (2, "pbbot: nothing is kept about the Telegram account 424242")


def test_forgetting_asks_first(edition_dir: Path) -> None:
    asyncio.run(a_citizen_with_an_idea(edition_dir / "pbbot.db"))
    code, output = pbbot("citizen", "forget", "424242", answer="n\n")
    assert code == 2 and "nothing was erased" in output
    assert pbbot("citizen", "export", "424242")[0] == 0


def test_purge_says_what_the_retention_period_ended(edition_dir: Path) -> None:
    code, output = pbbot("purge")
    assert code == 0, output
    assert output.strip() == "Purged: conversation states 0."
    assert datetime.now(UTC).year < 2029, "the example edition's vote is not over for long"
