"""Conversation states live in the database: a citizen who leaves mid-form finds their draft
after the bot restarted, on SQLite and on PostgreSQL."""

import asyncio

from aiogram.fsm.storage.base import StorageKey
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.runtime.fsm_storage import DatabaseStorage, current_unit_of_work
from storage.database import create_engine, create_sessionmaker
from storage.unit_of_work import UnitOfWork
from tests.support.app import App, consented


async def test_a_draft_is_where_it_was_left_after_a_restart(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int, database_url: str
) -> None:
    app = App(sessionmaker)
    citizen = await consented(app)
    await citizen.click("💡 Deposit an idea")
    await citizen.click("✍️ Start my idea")
    await citizen.click("🏢 My organisation")
    await citizen.send("Les Amis du Verger")
    await citizen.send("We could plant an orchard")

    # A new process: a new engine, a new dispatcher, a new session with Telegram.
    engine = create_engine(database_url)
    try:
        restarted = App(create_sessionmaker(engine))
        again = restarted.citizen(1, "en")
        await again.send("/start")
        assert "✏️ Your idea draft is waiting for you." in again.last.text
        await again.click("✏️ Continue my idea")
        assert "Describe" in again.last.text
        await again.send("Twenty apple trees.")
        await again.click("⬅ Back")
        assert "Current answer: Twenty apple trees." in again.last.text
        await again.click("⬅ Back")
        assert "Current answer: We could plant an orchard" in again.last.text
    finally:
        await engine.dispose()


async def test_the_fsm_storage_keeps_state_and_data_and_forgets_them_when_cleared(
    engine: AsyncEngine,
) -> None:
    key = StorageKey(bot_id=1, chat_id=2, user_id=2)
    storage = DatabaseStorage(create_sessionmaker(engine))
    await storage.set_state(key, "IdeaForm:filling")
    await storage.set_data(key, {"draft": {"title": "An orchard"}})

    reopened = DatabaseStorage(create_sessionmaker(engine))
    assert await reopened.get_state(key) == "IdeaForm:filling"
    assert await reopened.get_data(key) == {"draft": {"title": "An orchard"}}
    await reopened.set_state(key, None)
    await reopened.set_data(key, {})
    assert await storage.get_state(key) is None
    assert await storage.get_data(key) == {}


async def test_many_citizens_at_once_all_find_their_drafts_after_a_restart(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int, database_url: str
) -> None:
    """Their answers are committed together on SQLite (group commit); none may be lost."""
    app = App(sessionmaker)

    async def answer_two_questions(user_id: int) -> None:
        citizen = await consented(app, user_id)
        await citizen.click("💡 Deposit an idea")
        await citizen.click("✍️ Start my idea")
        await citizen.click("🙋 Myself")
        await citizen.send(f"Idea of citizen {user_id}")

    await asyncio.gather(*(answer_two_questions(user_id) for user_id in range(1, 41)))

    engine = create_engine(database_url)
    try:
        restarted = App(create_sessionmaker(engine))
        for user_id in (1, 17, 40):
            again = restarted.citizen(user_id, "en")
            await again.send("/start")
            await again.click("✏️ Continue my idea")
            await again.click("⬅ Back")
            assert f"Current answer: Idea of citizen {user_id}" in again.last.text
    finally:
        await engine.dispose()


async def test_a_rolled_back_update_leaves_no_trace_in_the_cached_state(
    engine: AsyncEngine,
) -> None:
    key = StorageKey(bot_id=1, chat_id=2, user_id=2)
    sessionmaker = create_sessionmaker(engine)
    storage = DatabaseStorage(sessionmaker, cache=True)
    await storage.set_data(key, {"draft": {"title": "kept"}})
    async with UnitOfWork(sessionmaker) as uow:
        token = current_unit_of_work.set(uow)
        try:
            await storage.set_data(key, {"draft": {"title": "never committed"}})
            assert (await storage.get_data(key))["draft"]["title"] == "never committed"
            await uow.rollback()
        finally:
            current_unit_of_work.reset(token)
    assert (await storage.get_data(key))["draft"]["title"] == "kept"
