"""Staff notices to an admin who never opened the bot: Telegram refuses them (403). The bot
says so once in its log, by id only, remembers it, and says it again at start-up and in
`pbbot edition show`, until the admin opens the bot."""

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.runtime.unreachable_staff import warn_at_start
from storage.database import create_engine, create_sessionmaker
from storage.unit_of_work import UnitOfWork
from tests.support.app import STAFF_ID, App, deposit_idea, publish_everything_pending
from tests.support.command_line import pbbot

MUST_OPEN = f"staff member {STAFF_ID} must open the bot once"


async def test_an_admin_who_never_opened_the_bot_is_logged_once_and_named_at_start_up(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    app.simulator.session.never_opened.add(STAFF_ID)
    with caplog.at_level(logging.WARNING):
        await deposit_idea(app, 1, "We could plant an orchard")
        await deposit_idea(app, 2, "A bench by the river")
    warnings = [record.getMessage() for record in caplog.records if MUST_OPEN in record.message]
    assert len(warnings) == 1, "once per admin, however many notices are refused"
    assert warnings[0].startswith(MUST_OPEN)
    assert [line.split(":")[0] for line in await warn_at_start(app.sessionmaker)] == [MUST_OPEN]


async def test_an_admin_who_opens_the_bot_is_no_longer_named(app: App) -> None:
    app.simulator.session.never_opened.add(STAFF_ID)
    await deposit_idea(app, 1)
    await app.citizen(STAFF_ID).send("/start")
    assert await warn_at_start(app.sessionmaker) == []


async def test_a_citizen_who_blocked_the_bot_is_not_taken_for_staff(app: App) -> None:
    author = await deposit_idea(app, 1)
    app.simulator.session.never_opened.add(author.user.id)
    await publish_everything_pending(app)
    refused = [m for m in app.sent_to(author.user.id) if "published" in str(m)]
    assert refused, "the author's notice was tried, and refused"
    assert await warn_at_start(app.sessionmaker) == []


def test_edition_show_names_the_staff_the_bot_cannot_reach(edition_dir: Path) -> None:
    async def refused() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{edition_dir / 'pbbot.db'}")
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            await uow.staff.refused(4242, datetime.now(UTC))
            await uow.commit()
        await engine.dispose()

    asyncio.run(refused())
    code, output = pbbot("edition", "show")
    assert code == 0, output
    assert "staff member 4242 must open the bot once" in output
