"""Two bot processes on one PostgreSQL database, each keeping who consented and where each
chat stands in its own memory, with no lock across them: a citizen whose updates go now to one
process, now to the other, is always answered from what is stored, never from what one process
remembered before the other changed it. What a cache gave is checked by the database when the
update commits (by version for a chat's state, by the row for a citizen); an update that
relied on something changed meanwhile is handled again from the database."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rehearsal.simulator import Citizen, Simulator
from bot.runtime.chat_locks import ChatLocks
from bot.runtime.dispatcher import build_dispatcher
from bot.runtime.settings import Settings
from storage.database import create_engine, create_sessionmaker
from storage.tables import IdeaRow
from tests.integration.test_two_processes import Process
from tests.support.app import _CATALOGUES, AGREE, DURING_DEPOSIT, TEST_SEALER, Clock


@pytest.fixture(params=["postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def processes(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> AsyncIterator[tuple[Process, Process]]:
    made = []
    for _ in range(2):
        engine = create_engine(database_url)
        dispatcher = build_dispatcher(
            Settings(_env_file=None),
            create_sessionmaker(engine),
            _CATALOGUES,
            Clock(DURING_DEPOSIT),
            events_isolation=ChatLocks(),
            sealer=TEST_SEALER,
        )
        made.append(Process(engine, dispatcher))
    yield made[0], made[1]
    for process in made:
        await process.engine.dispose()


async def send(process: Process, simulator: Simulator, citizen: Citizen, text: str) -> None:
    await process.feed(simulator, citizen.message_update(text=text))


async def click(process: Process, simulator: Simulator, citizen: Citizen, label: str) -> None:
    await process.feed(simulator, citizen.press_update(*citizen.button_data(label)))


async def test_a_language_chosen_in_one_process_is_spoken_by_the_other(
    processes: tuple[Process, Process],
) -> None:
    one, two = processes
    simulator = Simulator(one.dispatcher)
    citizen = simulator.citizen(1, "en")
    await send(one, simulator, citizen, "/start")
    await click(one, simulator, citizen, AGREE["en"])
    assert "💡 Deposit an idea" in citizen.last.labels, "the first process knows them in English"
    await send(two, simulator, citizen, "/language")
    await click(two, simulator, citizen, "Deutsch")
    await send(one, simulator, citizen, "/start")
    assert "💡 Idee einreichen" in citizen.last.labels


async def test_a_form_filled_in_by_turns_in_two_processes_keeps_every_answer(
    processes: tuple[Process, Process], sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    one, two = processes
    simulator = Simulator(one.dispatcher)
    citizen = simulator.citizen(1, "en")
    await send(one, simulator, citizen, "/start")
    await click(one, simulator, citizen, AGREE["en"])
    await click(one, simulator, citizen, "💡 Deposit an idea")
    await click(two, simulator, citizen, "✍️ Start my idea")
    await click(one, simulator, citizen, "🙋 Myself")
    # The first process remembers the form waiting for its title; the other one gets it.
    await send(two, simulator, citizen, "An orchard by the school")
    await send(one, simulator, citizen, "Twenty apple trees by the school of Jambes.")
    for process, label in (
        (two, "Skip ⏭"),
        (one, "Skip ⏭"),
        (two, "Environment and biodiversity"),
        (one, "Skip ⏭"),
        (two, "Skip ⏭"),
        (one, "Skip ⏭"),
    ):
        await click(process, simulator, citizen, label)
    await send(two, simulator, citizen, "12 500")
    await click(one, simulator, citizen, "Skip ⏭")
    assert "An orchard by the school" in citizen.last.text
    assert "Twenty apple trees by the school of Jambes." in citizen.last.text
    await click(two, simulator, citizen, "✅ Publish")
    async with sessionmaker() as session:
        [idea] = list(await session.scalars(select(IdeaRow)))
    assert (idea.title, idea.description) == (
        "An orchard by the school",
        "Twenty apple trees by the school of Jambes.",
    )


async def test_what_an_update_writes_itself_does_not_make_it_handled_again(
    processes: tuple[Process, Process], caplog: pytest.LogCaptureFixture
) -> None:
    """A newcomer was taken to be nobody when they opened the bot; their consent records them.
    The check at commit must not take that write for another process's change: handling the
    consent twice would cost every newcomer a second round of the whole update."""
    one, _ = processes
    simulator = Simulator(one.dispatcher)
    citizen = simulator.citizen(1, "en")
    caplog.set_level("INFO", logger="bot.runtime.turn")
    await send(one, simulator, citizen, "/start")
    await click(one, simulator, citizen, AGREE["en"])
    await send(one, simulator, citizen, "/language")
    await click(one, simulator, citizen, "Deutsch")
    assert "💡 Idee einreichen" in citizen.last.labels
    again = [r for r in caplog.records if "handling the update again" in r.getMessage()]
    assert again == [], "an update was refused by its own writes"
