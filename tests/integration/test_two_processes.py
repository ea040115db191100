"""Two bot processes on one PostgreSQL database, each with its own engine and its own
in-process locks, handling the same chat's updates at the same moment: what one citizen did
is never lost, never refused for a race, never turned into someone else's mistake.

Each race runs with the chats' lock held in PostgreSQL (the default without Redis), with it
held in Redis, and with no lock across processes at all: then the version check of the
conversation states and the database's constraints are what keep every tap."""

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseEventIsolation, DefaultKeyBuilder
from aiogram.types import Update
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.rehearsal.simulator import Citizen, Simulator
from bot.runtime.chat_locks import ChatLocks, ChatLocksAcross
from bot.runtime.dispatcher import build_dispatcher
from bot.runtime.settings import Settings
from storage.database import create_engine, create_sessionmaker
from storage.tables import CitizenRow, ConversationStateRow, VoterRow
from tests.support.app import (
    _CATALOGUES,
    AGREE,
    DURING_VOTE,
    IDENTITY_REFERENCE,
    TEST_SEALER,
    App,
    Clock,
    answer_identity,
    identity_of,
    put_projects_on_the_ballot,
)
from tests.support.databases import redis_url

LOCKS = ["postgresql", "redis", "none"]


@pytest.fixture(params=["postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("postgres_url"))


@dataclass
class Process:
    engine: AsyncEngine
    dispatcher: Dispatcher

    async def feed(self, simulator: Simulator, update: Update) -> None:
        await self.dispatcher.feed_update(simulator.bot, update)


async def isolation(lock: str) -> BaseEventIsolation:
    if lock != "redis":
        return ChatLocks()
    from aiogram.fsm.storage.redis import RedisEventIsolation
    from redis.asyncio import Redis

    url = redis_url()
    keys = DefaultKeyBuilder(prefix=f"pbbot-test-{secrets.token_hex(4)}", with_bot_id=True)
    shared = RedisEventIsolation(Redis.from_url(url), key_builder=keys)
    return ChatLocksAcross(ChatLocks(), shared)


@pytest.fixture(params=LOCKS)
async def processes(
    request: pytest.FixtureRequest,
    database_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[tuple[Process, Process]]:
    lock = request.param
    clock = Clock(DURING_VOTE)
    settings = Settings(_env_file=None)
    made = []
    for _ in range(2):
        engine = create_engine(database_url)
        dispatcher = build_dispatcher(
            settings,
            create_sessionmaker(engine),
            _CATALOGUES,
            clock,
            events_isolation=await isolation(lock),
            chat_lock_in_database=lock == "postgresql",
            sealer=TEST_SEALER,
        )
        made.append(Process(engine, dispatcher))
    yield made[0], made[1]
    for process in made:
        await process.engine.dispose()


@pytest.fixture
async def on_ballot(sessionmaker: async_sessionmaker[AsyncSession], edition_id: int) -> None:
    await put_projects_on_the_ballot(sessionmaker, edition_id)


async def both(sim: Simulator, *fed: tuple[Process, Update]) -> None:
    """Each update to its process, all at the same moment."""
    await asyncio.gather(*(process.feed(sim, update) for process, update in fed))


async def test_the_same_consent_handled_by_two_processes_records_one_citizen(
    processes: tuple[Process, Process],
    on_ballot: None,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    one, two = processes
    simulator = Simulator(one.dispatcher)
    people = [simulator.citizen(user_id, "en") for user_id in range(1, 11)]
    for person in people:
        # Both processes have met the database before: the race is on the consent itself.
        await one.feed(simulator, person.message_update(text="/start"))
        await two.feed(simulator, person.message_update(text="/help"))
    for person in people:
        data, shown = person.button_data(AGREE["en"])
        await both(
            simulator,
            (one, person.press_update(data, shown)),
            (two, person.press_update(data, shown)),
        )
        assert not any("went wrong" in text for text in person.texts())
    async with sessionmaker() as session:
        assert len(list(await session.scalars(select(CitizenRow)))) == len(people)


async def at_the_district_question(
    one: Process, two: Process, simulator: Simulator, user_id: int = 1
) -> Citizen:
    citizen = simulator.citizen(user_id, "en")
    await citizen.send("/start")
    await citizen.click(AGREE["en"])
    await citizen.click("🗳 Vote")
    await citizen.click("✅ Yes, I am an adult resident")
    # The other process has met the database too: the race is on what follows.
    await two.feed(simulator, citizen.message_update(text="/help"))
    return citizen


async def test_a_registration_handled_twice_at_once_registers_once_and_keeps_the_envelope(
    processes: tuple[Process, Process],
    on_ballot: None,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """The identity reference, the last question before registering, sent twice at once (a
    double tap on Send): one voter, and no refusal for a reference that is the voter's own."""
    one, two = processes
    simulator = Simulator(one.dispatcher)
    people = [await at_the_district_question(one, two, simulator, n) for n in range(1, 6)]
    for citizen in people:
        await citizen.click("Namur district")
        assert IDENTITY_REFERENCE in citizen.last.text
        typed = identity_of(citizen.user.id)
        await both(
            simulator,
            (one, citizen.message_update(text=typed)),
            (two, citizen.message_update(text=typed)),
        )
        texts = " ".join(citizen.texts())
        assert "already been used" not in texts and "went wrong" not in texts
        assert "left to spend" in texts
    async with sessionmaker() as session:
        assert len(list(await session.scalars(select(VoterRow)))) == len(people)
        states = list(await session.scalars(select(ConversationStateRow)))
        envelopes = [row for row in states if row.key.endswith(":vote")]
        assert len(envelopes) == len(people), "every envelope is kept"


async def test_adding_two_projects_in_two_processes_at_once_keeps_both(
    processes: tuple[Process, Process],
    on_ballot: None,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    one, two = processes
    simulator = Simulator(one.dispatcher)
    citizen = await at_the_district_question(one, two, simulator)
    await citizen.click("Namur district")
    await answer_identity(citizen)
    await citizen.click("📋 Choose projects")
    listed = citizen.last
    adds = [
        button.callback_data
        for row in listed.buttons
        for button in row
        if button.text == "➕ Add" and button.callback_data
    ]
    assert len(adds) >= 2
    await both(
        simulator,
        (one, citizen.press_update(adds[0], listed)),
        (two, citizen.press_update(adds[1], listed)),
    )
    await citizen.click("🗳 My envelope")
    await citizen.click("✅ Cast my ballot")
    await citizen.click("✅ Yes, cast my ballot")
    [ballot] = await App(sessionmaker).ballots()
    assert len(ballot.project_ids) == 2, "both projects are in the envelope"
