"""A campaign run reaches every citizen who can be reached exactly once, on SQLite and on
PostgreSQL, whatever Telegram answers and whatever happens to the process sending it."""

import asyncio
import itertools
import os
import signal
import sys
from pathlib import Path

import pytest
from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import create_engine, create_sessionmaker, is_sqlite
from storage.unit_of_work import UnitOfWork
from tests.support.broadcast_bot import bot_on, sender_on
from tests.support.deliveries import (
    Sessionmaker,
    delivery_states,
    seed_run,
    set_run_state,
    unreachable_chats,
    wait_for,
)
from tests.support.fake_bot_api import FakeBotApi

ROOT = Path(__file__).resolve().parents[2]
# Failed attempts are tried again at once in these tests.
QUICK_BACKOFF = (0.01, 0.02, 0.05)


def received_twice(api: FakeBotApi) -> list[int]:
    return [chat for chat, count in api.received().items() if count > 1]


async def test_every_reachable_citizen_gets_it_once_despite_flood_control_blocks_and_errors(
    sessionmaker: Sessionmaker,
) -> None:
    seeded = await seed_run(sessionmaker, 120)
    blocked = set(seeded.chat_ids[::10])
    # The server allows 50 messages a second; the sender tries 400, so it meets 429s.
    api = FakeBotApi(per_second=50, blocked=frozenset(blocked), error_rate=0.1, seed=7)
    runner, _ = await api.start()
    progress: list[dict[str, int]] = []
    shown_at: list[float] = []

    async def on_progress(counts: dict[str, int]) -> None:
        progress.append(counts)
        shown_at.append(asyncio.get_running_loop().time())

    bot = bot_on(api.url)
    sender = sender_on(
        sessionmaker, bot, 400, per_chat_seconds=0, backoff=QUICK_BACKOFF, max_attempts=8
    )
    try:
        counts = await sender.run(seeded.run_id, on_progress)
    finally:
        await bot.session.close()
        await runner.cleanup()

    assert api.too_many_requests > 0 and api.server_errors > 0
    assert received_twice(api) == []
    assert set(api.received()) == set(seeded.chat_ids) - blocked
    states = await delivery_states(sessionmaker, seeded.run_id)
    assert {chat for chat, state in states.items() if state == "blocked"} == blocked
    assert await unreachable_chats(sessionmaker) == blocked
    assert counts == {
        "queued": 0,
        "sending": 0,
        "sent": 120 - len(blocked),
        "blocked": len(blocked),
        "failed": 0,
        "unknown": 0,
        "skipped": 0,
    }
    # Staff see the run's progress while it goes, every state counted, once a second at most.
    assert len(progress) >= 2 and all(sum(seen.values()) == 120 for seen in progress)
    assert all(later - earlier >= 0.99 for earlier, later in itertools.pairwise(shown_at))


async def test_a_message_refused_every_time_ends_failed_after_the_last_attempt(
    sessionmaker: Sessionmaker, api: FakeBotApi, bot: Bot
) -> None:
    seeded = await seed_run(sessionmaker, 20)
    api.error_rate = 1.0
    sender = sender_on(
        sessionmaker, bot, 500, per_chat_seconds=0, backoff=QUICK_BACKOFF, max_attempts=3
    )
    counts = await sender.run(seeded.run_id)
    assert counts["failed"] == 20 and api.received() == {}
    # Three tries each, then no more.
    assert len([call for call in api.calls if call[0] == "sendMessage"]) == 60


async def test_a_sender_cancelled_midway_then_recovery_and_a_new_sender_never_send_twice(
    sessionmaker: Sessionmaker, api: FakeBotApi, bot: Bot
) -> None:
    seeded = await seed_run(sessionmaker, 300)
    first = asyncio.create_task(sender_on(sessionmaker, bot, 400).run(seeded.run_id))
    await wait_for(lambda: len(api.accepted) >= 60)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert len(api.accepted) < 300

    second = sender_on(sessionmaker, bot, 400)
    await second.recover(stale_after_seconds=0)
    counts = await second.run(seeded.run_id)

    assert received_twice(api) == []
    states = await delivery_states(sessionmaker, seeded.run_id)
    unknown = {chat for chat, state in states.items() if state == "unknown"}
    # The calls under way were let finish and the rest handed back: nobody is in doubt.
    assert unknown == set()
    assert set(api.received()) == set(seeded.chat_ids)
    assert counts["sent"] == 300


@pytest.mark.slow
async def test_a_sending_process_killed_midway_leaves_its_calls_unknown_and_no_duplicate(
    sessionmaker: Sessionmaker, database_url: str, api: FakeBotApi, bot: Bot
) -> None:
    seeded = await seed_run(sessionmaker, 300)
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.delivery_worker",
        database_url,
        str(seeded.run_id),
        api.url,
        "200",
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.DEVNULL,
    )
    try:
        await wait_for(lambda: len(api.accepted) >= 30, within=30)
    finally:
        worker.send_signal(signal.SIGKILL)
        await worker.wait()
    assert worker.returncode == -signal.SIGKILL
    before = await delivery_states(sessionmaker, seeded.run_id)
    in_doubt = {chat for chat, state in before.items() if state == "sending"}
    # No more than the worker may hold at once (its `in_flight`, at 200 messages a second).
    assert 0 < len(in_doubt) <= 80, sorted(before.values())

    sender = sender_on(sessionmaker, bot, 400)
    assert await sender.recover(stale_after_seconds=0) == len(in_doubt)
    counts = await sender.run(seeded.run_id)

    assert received_twice(api) == []
    after = await delivery_states(sessionmaker, seeded.run_id)
    assert {chat for chat, state in after.items() if state == "unknown"} == in_doubt
    assert set(seeded.chat_ids) - in_doubt <= set(api.received())
    assert counts["sent"] == 300 - len(in_doubt)


async def test_two_senders_on_postgresql_share_a_run_without_a_duplicate(
    database_url: str, engine: AsyncEngine, api: FakeBotApi, bot: Bot
) -> None:
    if is_sqlite(database_url):
        pytest.skip("one process owns a SQLite database: sharing a run is PostgreSQL's")
    sessionmaker = create_sessionmaker(engine)
    seeded = await seed_run(sessionmaker, 400)
    # The second one as another process would be: an engine and connections of its own.
    other_engine = create_engine(database_url)
    try:
        first = sender_on(sessionmaker, bot, 300)
        second = sender_on(create_sessionmaker(other_engine), bot, 300)
        await asyncio.gather(first.run(seeded.run_id), second.run(seeded.run_id))
    finally:
        await other_engine.dispose()

    assert received_twice(api) == []
    assert set(api.received()) == set(seeded.chat_ids)
    async with UnitOfWork(sessionmaker) as uow:
        assert (await uow.deliveries.counts(seeded.run_id))["sent"] == 400


async def test_a_paused_run_stops_with_the_rest_queued_and_resuming_sends_the_rest_once(
    sessionmaker: Sessionmaker, api: FakeBotApi, bot: Bot
) -> None:
    seeded = await seed_run(sessionmaker, 200)
    # At most 50 claimed ahead: however slow the machine makes each call, the pause is seen
    # before the sender has every message of the run under way.
    sender = sender_on(sessionmaker, bot, 500, in_flight=50)
    running = asyncio.create_task(sender.run(seeded.run_id))
    await wait_for(lambda: len(api.accepted) >= 40)
    await set_run_state(sessionmaker, seeded.run_id, "paused")
    paused = await asyncio.wait_for(running, timeout=5)

    assert paused["queued"] > 0 and paused["sending"] == 0
    assert paused["sent"] == len(api.accepted) < 200
    await asyncio.sleep(0.1)
    assert len(api.accepted) == paused["sent"]

    await set_run_state(sessionmaker, seeded.run_id, "sending")
    resumed = await sender.run(seeded.run_id)
    assert resumed["sent"] == 200
    assert received_twice(api) == [] and set(api.received()) == set(seeded.chat_ids)


async def test_a_cancelled_run_stops_for_good(
    sessionmaker: Sessionmaker, api: FakeBotApi, bot: Bot
) -> None:
    seeded = await seed_run(sessionmaker, 200)
    sender = sender_on(sessionmaker, bot, 500)
    running = asyncio.create_task(sender.run(seeded.run_id))
    await wait_for(lambda: len(api.accepted) >= 40)
    await set_run_state(sessionmaker, seeded.run_id, "cancelled")
    cancelled = await asyncio.wait_for(running, timeout=5)
    sent = len(api.accepted)

    again = await sender.run(seeded.run_id)
    assert again == cancelled and again["queued"] == 200 - sent
    assert len(api.accepted) == sent and received_twice(api) == []


@pytest.mark.slow
async def test_on_postgresql_what_a_killed_sender_left_is_recovered_at_once_not_a_live_ones(
    database_url: str, engine: AsyncEngine, api: FakeBotApi, bot: Bot
) -> None:
    """A process's claims carry its liveness key: the moment it dies, another process sees
    it gone and settles its rows, while a live sender's calls under way are left to it."""
    if is_sqlite(database_url):
        pytest.skip("one process owns a SQLite database: nobody else recovers its rows")
    sessionmaker = create_sessionmaker(engine)
    seeded = await seed_run(sessionmaker, 300)
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.delivery_worker",
        database_url,
        str(seeded.run_id),
        api.url,
        "200",
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.DEVNULL,
    )
    try:
        await wait_for(lambda: len(api.accepted) >= 30, within=30)
        # Alive: what it holds is its own, however long the calls take.
        assert await sender_on(sessionmaker, bot, 400).recover() == 0
    finally:
        worker.send_signal(signal.SIGKILL)
        await worker.wait()
    in_doubt = {
        chat
        for chat, state in (await delivery_states(sessionmaker, seeded.run_id)).items()
        if state == "sending"
    }
    assert in_doubt
    # Dead: settled at once, without waiting for the rows to grow old.
    assert await sender_on(sessionmaker, bot, 400).recover() == len(in_doubt)
