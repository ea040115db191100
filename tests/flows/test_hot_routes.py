"""The table that takes the form's and the vote's buttons and answers straight to their handler
(bot.runtime.hot_routes) changes nothing a citizen sees: each of its entries is what aiogram's
routers choose, and the same conversations, forged and old buttons included, get the same
replies with it and without it."""

import random
import secrets
import shutil
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiogram import Router
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.state import State
from aiogram.types import PhotoSize
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.handlers import get_hot_routes, get_routers
from bot.runtime.filters import NotACommand
from storage.database import create_engine, create_sessionmaker
from storage.unit_of_work import UnitOfWork
from tests.conftest import EXAMPLE_EDITION
from tests.support.app import (
    DURING_DEPOSIT,
    DURING_VOTE,
    App,
    at_envelope,
    cast_ballot,
    consented,
    put_projects_on_the_ballot,
)

Sessionmaker = async_sessionmaker[AsyncSession]


def _handlers(event: str) -> list[tuple[Router, HandlerObject]]:
    """Every handler of the routers for `event`, in the order aiogram tries them."""
    return [
        (router, handler)
        for router in get_routers()
        for handler in router.observers[event].handlers
    ]


def _callbacks(handler: HandlerObject) -> list[Any]:
    return [item.callback for item in handler.filters or []]


def test_each_button_of_the_table_is_one_no_router_before_its_handler_takes() -> None:
    routes = get_hot_routes()
    assert routes.buttons, "the table has buttons"
    for prefix, (data_class, target) in routes.buttons.items():
        earlier = []
        for router, handler in _handlers("callback_query"):
            filters = _callbacks(handler)
            assert not router.callback_query._handler.filters, f"{router} filters all buttons"
            takes = [f for f in filters if isinstance(f, CallbackQueryFilter)]
            if takes and takes[0].callback_data is data_class:
                assert handler.callback is target.callback, f"{prefix}: {handler.callback}"
                assert len(filters) == 1 and takes[0].rule is None, f"{prefix}: {filters}"
                break
            earlier.append((router, handler, takes))
        else:
            pytest.fail(f"no router takes the buttons {prefix!r}")
        for router, handler, takes in earlier:
            assert takes, f"{router}: {handler.callback.__name__} may take any button"
            assert takes[0].callback_data.__prefix__ != prefix, handler.callback.__name__


def test_each_answer_of_the_table_is_typed_where_only_its_handler_listens() -> None:
    routes = get_hot_routes()
    assert routes.listeners, "the table has typed answers"
    for state, target in routes.listeners.items():
        earlier = []
        for router, handler in _handlers("message"):
            filters = _callbacks(handler)
            assert not router.message._handler.filters, f"{router} filters all messages"
            states = [f.state for f in filters if isinstance(f, State)]
            if state in states:
                assert handler.callback is target.callback, f"{state}: {handler.callback}"
                assert len(filters) == 2 and isinstance(filters[1], NotACommand), filters
                break
            earlier.append((handler, filters, states))
        else:
            pytest.fail(f"nobody listens in {state!r}")
        # What the table takes is no command: only a command, or another conversation's
        # state, keeps a handler before it from taking the same message.
        for handler, filters, states in earlier:
            commands = [f for f in filters if isinstance(f, Command)]
            assert (states and state not in states) or (
                commands and all(p == "/" for c in commands for p in c.prefix)
            ), handler.callback.__name__


# -- the same conversations, with the table and without -----------------------------------


async def _database(path: Path, template: Path) -> AsyncIterator[Sessionmaker]:
    shutil.copyfile(template, path)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    sessionmaker = create_sessionmaker(engine)
    async with UnitOfWork(sessionmaker) as uow:
        await uow.editions.save(EXAMPLE_EDITION.read_text(encoding="utf-8"), datetime.now(UTC))
        await uow.commit()
    yield sessionmaker
    await engine.dispose()


@pytest.fixture
async def with_table(tmp_path: Path, migrated_sqlite: Path) -> AsyncIterator[Sessionmaker]:
    async for sessionmaker in _database(tmp_path / "with.db", migrated_sqlite):
        yield sessionmaker


@pytest.fixture
async def without_table(tmp_path: Path, migrated_sqlite: Path) -> AsyncIterator[Sessionmaker]:
    async for sessionmaker in _database(tmp_path / "without.db", migrated_sqlite):
        yield sessionmaker


def _same_chance(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Tokens, share codes and receipts drawn the same way in both runs."""
    draws = random.Random()
    monkeypatch.setattr(secrets, "token_hex", lambda n=32: draws.randbytes(n).hex())
    monkeypatch.setattr(secrets, "token_urlsafe", lambda n=32: draws.randbytes(n).hex()[:n])
    monkeypatch.setattr(secrets, "choice", lambda seq: draws.choice(seq))
    return lambda: draws.seed(14)


async def _deposit_and_vote(sessionmaker: Sessionmaker, hot_routes: bool) -> list[Any]:
    """An idea deposited the long way, with mistakes, commands, old and forged buttons; then
    a vote. What the bot sent, call by call."""
    app = App(sessionmaker, hot_routes=hot_routes)
    app.clock.now = DURING_DEPOSIT
    citizen = await consented(app)
    await citizen.click("💡 Deposit an idea")
    await citizen.click("✍️ Start my idea")
    earlier_question, _ = citizen.button_data("🙋 Myself")
    await citizen.click("🏢 My organisation")
    await citizen.send("Les Amis du Verger")
    await citizen.send("We could " + "plant an orchard " * 10)
    await citizen.send("We could plant an orchard")
    await citizen.press(earlier_question)
    await citizen.send("Twenty apple trees by the school of Jambes.")
    await citizen.send("/help")
    await citizen.send("Teach children where fruit comes from.")
    await citizen.click("Skip ⏭")
    await citizen.press("f:zzz:1:publish:")
    await citizen.press("f:abc:notanumber:back:")
    await citizen.press("f:1")
    await citizen.press("v:abc:1:add:")
    await citizen.click("Environment and biodiversity")
    await citizen.send_document("plan.pdf")
    await citizen.click("Done ✔")
    photo = [PhotoSize(file_id="p", file_unique_id="p", width=8, height=6)]
    await app.simulator.feed(citizen.message_update(photo=photo, caption="/start"))
    await citizen.click("✏️ Continue my idea")
    await citizen.send("  /whatever")
    await citizen.click("✏️ Continue my idea")
    await citizen.send("The association plants; the commune waters.")
    await citizen.send_location(50.4542, 4.8721)
    await citizen.send("twelve thousand")
    await citizen.send("12 500")
    await citizen.send_photo("orchard-photo")
    await citizen.click("✅ Publish")
    await citizen.send("Anything else?")

    await put_projects_on_the_ballot(sessionmaker, 1)
    app.clock.now = DURING_VOTE
    voter = await at_envelope(app, user_id=2)
    envelope = voter.last
    await cast_ballot(voter, ["Repair café in Couvin", "Open-air library"])
    await voter.click("📋 Choose projects", envelope)
    await voter.press("v:zzz:1:cast:")
    await voter.press("v:1")
    await citizen.send("/vote")
    await citizen.click("✅ Yes, I am an adult resident")
    await citizen.send("Namur district")
    return [
        (type(method).__name__, method.model_dump(mode="json", exclude_unset=True))
        for method in app.simulator.session.requests
    ]


async def test_the_same_conversations_get_the_same_replies_with_the_table_and_without(
    with_table: Sessionmaker, without_table: Sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    same_chance = _same_chance(monkeypatch)
    same_chance()
    through_the_table = await _deposit_and_vote(with_table, hot_routes=True)
    same_chance()
    through_the_routers = await _deposit_and_vote(without_table, hot_routes=False)
    assert len(through_the_table) > 60
    assert through_the_table == through_the_routers
    alerts = [call.get("text") for name, call in through_the_table if name == "AnswerCallbackQuery"]
    assert "This button is not valid any more." in alerts
