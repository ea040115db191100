"""How pbbot behind its webhook scales from one process to two on one PostgreSQL, and what a
process killed in the middle of the vote costs.

Simulated citizens go through the vote (consent, eligibility, two projects in the envelope,
cast: 11 updates each) by real HTTP requests to `pbbot run --webhook`, as Telegram sends them,
with the secret header; the bot answers through a fake Bot API server in this process, from
which each citizen reads the buttons it presses next. A request not answered 200 is sent
again, as Telegram does.

1. Throughput: many citizens at once against one process, then against `--workers 2`.
2. Latency: citizens arriving at a steady rate of half that throughput (open loop).
3. A crash: two workers under load, one killed (kill -9) in the middle; its supervisor
   starts it again, and every citizen must still end with one ballot, cast once.

The in-process variant (`--in-process`) leaves HTTP and the fake Bot API out: each bot process
feeds its own citizens' updates to its dispatcher, as bench.flow does, against the one
PostgreSQL database; chats are partitioned between the processes, as a deployment that routes
each chat to one worker would do. It measures what the processes themselves can do together,
where the HTTP variant also pays the load generator, the server and the fake Bot API on the
same cores.

    python -m bench.scale                    # on PostgreSQL at 127.0.0.1, as the tests
    python -m bench.scale --citizens 100     # a quick check
    python -m bench.scale --redis redis://127.0.0.1:6379/0   # chats' locks in Redis
    python -m bench.scale --in-process       # 1 process, then 2, fed in process

The last line of output is one JSON object with the figures.
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bench.flow import Action, act_on_pbbot, click, drive, fresh_database, text
from budget.edition import Phase
from storage.keys import open_sealer
from storage.sealing import Sealer
from storage.tables import CitizenRow, VoterRow
from storage.unit_of_work import UnitOfWork
from storage.voting import Voter
from tests.support.app import AGREE, put_projects_on_the_ballot
from tests.support.fake_bot_api import FakeBotApi
from tests.support.processes import workers_of
from tests.support.telegram_client import TelegramClient
from tests.support.waiting import eventually

PBBOT = str(Path(sys.executable).with_name("pbbot"))
TOKEN = "123456:BENCH-token"
POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
ENVELOPE_CENTS = 200_000_00
# Typed rather than pressed: the example edition asks for the national register number.
TYPE_IDENTITY = "(identity reference)"
# What each citizen presses after /start, in order.
STEPS = (
    AGREE["en"],
    "🗳 Vote",
    "✅ Yes, I am an adult resident",
    "Namur district",
    TYPE_IDENTITY,
    "📋 Choose projects",
    "➕ Add",
    "➕ Add",
    "🗳 My envelope",
    "✅ Cast my ballot",
    "✅ Yes, cast my ballot",
)
UPDATES_PER_CITIZEN = 1 + len(STEPS)
CONCURRENT = 48


@dataclass
class Load:
    """What the load generator saw: one latency per answered request, and the re-sendings."""

    latencies: list[float] = field(default_factory=list)
    resent: int = 0
    finished: int = 0
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


class Citizens:
    """Citizens as Telegram sees them, posting to the webhook over one connection pool."""

    def __init__(self, api: FakeBotApi, webhook: str, secret: str, first_chat: int) -> None:
        self.api = api
        self.webhook = webhook
        self.headers = {
            "X-Telegram-Bot-Api-Secret-Token": secret,
            "Content-Type": "application/json",
        }
        self.next_chat = first_chat
        self.client = TelegramClient(api, self._never, first_update_id=first_chat * 100)
        self.session: aiohttp.ClientSession | None = None

    @staticmethod
    async def _never(update: dict[str, Any]) -> int:
        raise AssertionError("posted by Citizens.post")

    async def __aenter__(self) -> "Citizens":
        connector = aiohttp.TCPConnector(limit=256)
        self.session = aiohttp.ClientSession(connector=connector)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self.session is not None:
            await self.session.close()

    def new_chat(self) -> int:
        self.next_chat += 1
        return self.next_chat

    async def post(self, update: dict[str, Any], load: Load) -> None:
        """Until Telegram would have its 200: a refused or lost request is sent again."""
        assert self.session is not None
        body = json.dumps(update)
        for attempt in range(600):
            started = time.perf_counter()
            try:
                async with self.session.post(
                    self.webhook, data=body, headers=self.headers
                ) as response:
                    status = response.status
            except (aiohttp.ClientError, TimeoutError):
                status = 0
            if status == 200:
                load.latencies.append(time.perf_counter() - started)
                return
            load.resent += 1
            await asyncio.sleep(min(0.05 * (attempt + 1), 1.0))
        raise RuntimeError("the bot never answered")

    async def vote(self, load: Load) -> None:
        chat = self.new_chat()
        await self.post(self.client.message(chat, "/start"), load)
        for label in STEPS:
            if label == TYPE_IDENTITY:
                await self.post(self.client.message(chat, f"{chat:011d}"), load)
                continue
            await self.post(self.client.press(chat, label), load)
        load.finished += 1


async def closed_loop(citizens: Citizens, count: int, load: Load) -> None:
    """`count` citizens, CONCURRENT of them at any moment."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(count):
        queue.put_nowait(number)

    async def one_at_a_time() -> None:
        while not queue.empty():
            queue.get_nowait()
            await citizens.vote(load)

    started = time.perf_counter()
    await asyncio.gather(*(one_at_a_time() for _ in range(CONCURRENT)))
    load.seconds = time.perf_counter() - started


async def open_loop(citizens: Citizens, count: int, updates_per_second: float, load: Load) -> None:
    """Citizens arriving at a steady rate, each going at its own pace."""
    interval = UPDATES_PER_CITIZEN / updates_per_second
    started = time.perf_counter()
    voting = []
    for number in range(count):
        delay = started + number * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        voting.append(asyncio.create_task(citizens.vote(load)))
    await asyncio.gather(*voting)
    load.seconds = time.perf_counter() - started


# -- the bot's processes -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database_pids() -> list[int]:
    """PostgreSQL's own processes on this machine (their CPU is part of each update's cost)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip().startswith("postgres"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def cpu_seconds(pids: list[int], ended_children: bool = False) -> float:
    """User and system time of these processes so far (Linux); with `ended_children`, that of
    their children which have ended too."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
        if ended_children:
            total += (int(fields[13]) + int(fields[14])) / ticks
    return total


def database_cpu_seconds() -> float:
    """PostgreSQL's CPU so far: a connection's server process that has ended counts in its
    parent's, the postmaster's, children time."""
    return cpu_seconds(database_pids(), ended_children=True)


@asynccontextmanager
async def pbbot(
    database_url: str, api_url: str, workers: int, redis: str | None, workdir: Path
) -> AsyncIterator[tuple[str, asyncio.subprocess.Process]]:
    port = free_port()
    webhook = f"http://127.0.0.1:{port}/telegram"
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": database_url,
        "BOT_API_URL": api_url,
        "HTTP_PORT": str(port),
        "LOG_FORMAT": "text",
        "BROADCAST_PER_SECOND": "1",
    }
    if redis:
        env["REDIS_URL"] = redis
    process = await asyncio.create_subprocess_exec(
        PBBOT,
        "run",
        "--webhook",
        webhook,
        "--workers",
        str(workers),
        cwd=workdir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(workdir / f"pbbot-{workers}.log").open("a"),
    )
    try:
        await _ready(port, process, workers)
        yield webhook, process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), timeout=60)


async def _ready(port: int, process: asyncio.subprocess.Process, workers: int) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(900):
            if process.returncode is not None:
                raise RuntimeError("pbbot stopped at start-up; see its log")
            try:
                async with session.get(f"http://127.0.0.1:{port}/readyz") as response:
                    ready = response.status == 200
            except aiohttp.ClientError:
                ready = False
            if ready and (workers == 1 or len(workers_of(process.pid)) == workers):
                # Every worker answers, not only the first one up.
                await asyncio.sleep(2.0)
                return
            await asyncio.sleep(0.1)
    raise TimeoutError("pbbot did not become ready")


# -- the run -----------------------------------------------------------------------------


@dataclass
class Stage:
    name: str
    load: Load
    bot_cpu_seconds: float
    database_cpu_seconds: float = 0.0


@dataclass
class Checks:
    citizens: int
    ballots: int
    lost: int
    applied_twice: int
    violations: int


async def prepare(sessionmaker: Any) -> None:
    async with UnitOfWork(sessionmaker) as uow:
        stored = await uow.editions.current(None)
        assert stored is not None
        edition_id = stored.id
        await uow.editions.set_phase(stored.edition.slug, Phase.DEPOSIT, False)
        await uow.editions.set_phase(stored.edition.slug, Phase.VOTE, True)
        await uow.commit()
    await put_projects_on_the_ballot(sessionmaker, edition_id)


def key(workdir: Path) -> Sealer:
    """The key the bot's processes created where they run (SECRET_KEY_FILE's default)."""
    return open_sealer(workdir / "pbbot.key")


async def check(sessionmaker: Any, expected: int, sealer: Sealer) -> Checks:
    async with sessionmaker() as session:
        citizens = int(await session.scalar(select(func.count()).select_from(CitizenRow)) or 0)
        voters = int(await session.scalar(select(func.count()).select_from(VoterRow)) or 0)
    # The ballots are sealed until the close: the bench reads them as the bot does, with the
    # key, then publishes them, which the database checks (within the envelope, one each).
    async with UnitOfWork(sessionmaker, sealer=sealer) as uow:
        stored = await uow.editions.current(None)
        assert stored is not None
        voter_ids = await uow.session.scalars(select(VoterRow.id))
        cast = [
            await uow.voting.ballot(stored.id, Voter(voter_id, 0, None)) for voter_id in voter_ids
        ]
        try:
            published = await uow.voting.publish(stored.id, datetime.now(UTC)) or 0
            await uow.commit()
            refused = 0
        except IntegrityError:
            published, refused = 0, 1
    ballots = [ballot for ballot in cast if ballot is not None]
    return Checks(
        citizens=citizens,
        ballots=len(ballots),
        lost=max(0, expected - len(ballots)),
        # Each citizen casts once: a ballot at version 2 was cast twice.
        applied_twice=sum(1 for b in ballots if b.version != 1) + max(0, citizens - expected),
        violations=refused
        + sum(1 for b in ballots if b.total_cents > ENVELOPE_CENTS)
        + max(0, voters - citizens)
        + abs(published - len(ballots)),
    )


async def bench(postgres: str, citizens_count: int, redis: str | None) -> dict[str, Any]:
    api = FakeBotApi(record_calls=False)
    runner, api_url = await api.start()
    stages: list[Stage] = []
    checks: dict[str, Checks] = {}
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        try:
            for workers in (1, 2):
                async with fresh_database(postgres, workdir) as sessionmaker:
                    await prepare(sessionmaker)
                    url = sessionmaker.kw["bind"].url.render_as_string(hide_password=False)
                    async with pbbot(url, api_url, workers, redis, workdir) as (webhook, process):
                        secret = _secret()
                        pids = [process.pid, *workers_of(process.pid)]
                        async with Citizens(api, webhook, secret, 1_000_000 * workers) as people:
                            bot_before = cpu_seconds(pids)
                            database_before = database_cpu_seconds()
                            load = Load()
                            await closed_loop(people, citizens_count, load)
                            stages.append(
                                Stage(
                                    f"{workers} process(es), all at once",
                                    load,
                                    cpu_seconds(pids) - bot_before,
                                    database_cpu_seconds() - database_before,
                                )
                            )
                            half = Load()
                            await open_loop(people, citizens_count // 2, load.per_second / 2, half)
                            stages.append(Stage(f"{workers} process(es), half load", half, 0.0))
                    checks[f"{workers}"] = await check(
                        sessionmaker,
                        citizens_count + citizens_count // 2,
                        open_sealer(workdir / "pbbot.key"),
                    )
            async with fresh_database(postgres, workdir) as sessionmaker:
                await prepare(sessionmaker)
                url = sessionmaker.kw["bind"].url.render_as_string(hide_password=False)
                async with (
                    pbbot(url, api_url, 2, redis, workdir) as (webhook, process),
                    Citizens(api, webhook, _secret(), 9_000_000) as people,
                ):
                    crash = Load()
                    voting = asyncio.create_task(closed_loop(people, citizens_count, crash))
                    target = citizens_count * UPDATES_PER_CITIZEN // 3
                    await eventually(lambda: len(crash.latencies) >= target or voting.done(), 600)
                    killed = workers_of(process.pid)[0]
                    os.kill(killed, signal.SIGKILL)
                    await voting
                    stages.append(Stage("2 processes, one killed midway", crash, 0.0))
                checks["crash"] = await check(
                    sessionmaker, citizens_count, open_sealer(workdir / "pbbot.key")
                )
        finally:
            await runner.cleanup()
    one, two = stages[0].load.per_second, stages[2].load.per_second
    return {
        "stages": stages,
        "checks": checks,
        "one_process_updates_per_s": round(one, 1),
        "two_processes_updates_per_s": round(two, 1),
        "scale_ratio": round(two / one, 3) if one else 0.0,
        "p99_ms": round(max(stages[1].load.percentile(0.99), stages[3].load.percentile(0.99)), 2),
        "one_process_cpu_ms_per_update": round(
            1000 * stages[0].bot_cpu_seconds / max(1, len(stages[0].load.latencies)), 3
        ),
        "two_processes_cpu_ms_per_update": round(
            1000 * stages[2].bot_cpu_seconds / max(1, len(stages[2].load.latencies)), 3
        ),
        "database_cpu_ms_per_update": round(
            1000 * stages[0].database_cpu_seconds / max(1, len(stages[0].load.latencies)), 3
        ),
        "lost": sum(c.lost for c in checks.values()),
        "applied_twice": sum(c.applied_twice for c in checks.values()),
        "invariant_violations": sum(c.violations for c in checks.values()),
        "resent_after_kill": stages[4].load.resent,
        "load_generator_cpu_s": round(resource.getrusage(resource.RUSAGE_SELF).ru_utime, 1),
    }


def _secret() -> str:
    from bot.runtime.settings import Settings

    return Settings(_env_file=None, bot_token=TOKEN).secret_token


def report(figures: dict[str, Any], citizens: int, redis: str | None) -> str:
    lock = "Redis" if redis else "PostgreSQL"
    rows = [
        f"{citizens} citizens through the vote ({UPDATES_PER_CITIZEN} updates each) by HTTP "
        f"to pbbot's webhook on PostgreSQL; chats' locks in {lock}",
        "",
        f"{'stage':<34}{'updates':>8}{'upd/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'resent':>8}",
    ]
    for stage in figures["stages"]:
        load = stage.load
        rows.append(
            f"{stage.name:<34}{len(load.latencies):>8}{load.per_second:>8.0f}"
            f"{load.percentile(0.5):>9.1f}{load.percentile(0.99):>9.1f}{load.resent:>8}"
        )
    rows += [
        "",
        f"scale ratio 2/1: {figures['scale_ratio']:.2f}; bot CPU per update: "
        f"{figures['one_process_cpu_ms_per_update']} ms (1 process), "
        f"{figures['two_processes_cpu_ms_per_update']} ms (2); PostgreSQL's CPU per update: "
        f"{figures['database_cpu_ms_per_update']} ms",
        f"lost {figures['lost']}, applied twice {figures['applied_twice']}, "
        f"invariant violations {figures['invariant_violations']}",
    ]
    public = {k: v for k, v in figures.items() if k not in ("stages", "checks")}
    rows.append(json.dumps(public))
    return "\n".join(rows)


# -- the in-process variant ----------------------------------------------------------------

# Citizens voting before the processes start together: the first updates of a process pay
# for what Python, pydantic and SQLAlchemy build once.
WARM_UP_CITIZENS = 5
# Each process's citizens have user ids a million apart from the next process's; their
# updates, ids this many times as far apart.
UPDATE_IDS_PER_CITIZEN = 100


def vote_plan(user_id: int) -> list[Action]:
    """The vote, with the citizen's own identity reference typed where it is asked."""
    steps = [text(f"{user_id:011d}") if label == TYPE_IDENTITY else click(label) for label in STEPS]
    return [text("/start"), *steps]


@dataclass
class Share:
    """What one bot process did with its share of the citizens."""

    updates: int
    started: float
    finished: float
    cpu_seconds: float
    latencies: list[float]
    failures: list[str]


@dataclass(frozen=True)
class Order:
    """What one bot process is given: the database, the key, its citizens, the lock."""

    url: str
    key_bytes: bytes
    first_user_id: int
    citizens: int
    redis: str | None


def run_share(order: Order, ready: Any, go: Any, results: Any) -> None:
    """One bot process (started by multiprocessing): warm up, wait for the others, vote."""
    results.put(asyncio.run(_share(order, ready, go)))


async def _share(order: Order, ready: Any, go: Any) -> Share:
    import logging

    from aiogram.fsm.storage.base import DefaultKeyBuilder
    from aiogram.fsm.storage.redis import RedisEventIsolation
    from redis.asyncio import Redis

    from bot.runtime.dispatcher import build_dispatcher
    from bot.runtime.i18n import create_i18n
    from bot.runtime.settings import Settings
    from storage.database import create_engine, create_sessionmaker

    for name in ("aiogram", "aiogram.event", "aiogram.dispatcher"):
        logging.getLogger(name).setLevel(logging.WARNING)
    engine = create_engine(order.url)
    isolation = (
        RedisEventIsolation(
            Redis.from_url(order.redis),
            key_builder=DefaultKeyBuilder(with_bot_id=True),
            lock_kwargs={"timeout": 30},
        )
        if order.redis
        else None
    )
    # As `pbbot run` does on PostgreSQL: chats' locks in Redis when given, else in the database.
    dispatcher = build_dispatcher(
        Settings(_env_file=None),
        create_sessionmaker(engine),
        create_i18n(),
        events_isolation=isolation,
        chat_lock_in_database=order.redis is None,
        sealer=Sealer(order.key_bytes),
    )
    try:
        warm = await drive(
            dispatcher,
            act_on_pbbot,
            [vote_plan(order.first_user_id + n) for n in range(WARM_UP_CITIZENS)],
            None,
            order.first_user_id,
            # Update ids as Telegram's: never the same twice, whichever process takes them.
            first_update_id=order.first_user_id * UPDATE_IDS_PER_CITIZEN,
        )
        ready.put(len(warm.failures))
        await asyncio.to_thread(go.wait)
        started = time.time()
        run = await drive(
            dispatcher,
            act_on_pbbot,
            [vote_plan(order.first_user_id + WARM_UP_CITIZENS + n) for n in range(order.citizens)],
            None,
            order.first_user_id + WARM_UP_CITIZENS,
            first_update_id=(order.first_user_id + WARM_UP_CITIZENS) * UPDATE_IDS_PER_CITIZEN,
        )
        return Share(
            run.updates,
            started,
            started + run.seconds,
            run.cpu_seconds,
            run.latencies,
            warm.failures + run.failures,
        )
    finally:
        await engine.dispose()


@dataclass
class Partitioned:
    processes: int
    updates: int
    seconds: float
    cpu_seconds: float
    database_cpu_seconds: float
    latencies: list[float]
    failures: list[str]
    checks: Checks

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else 0


async def partitioned(
    postgres: str, citizens: int, processes: int, redis: str | None
) -> Partitioned:
    """`citizens` split between `processes` bot processes on one fresh database."""
    key_bytes = secrets.token_bytes(32)
    spawn = multiprocessing.get_context("spawn")
    ready, results, go = spawn.Queue(), spawn.Queue(), spawn.Event()
    with tempfile.TemporaryDirectory() as folder:
        async with fresh_database(postgres, Path(folder)) as sessionmaker:
            await prepare(sessionmaker)
            url = sessionmaker.kw["bind"].url.render_as_string(hide_password=False)
            share = citizens // processes
            workers = [
                spawn.Process(
                    target=run_share,
                    args=(
                        Order(url, key_bytes, 4_000_000 + number * 1_000_000, share, redis),
                        ready,
                        go,
                        results,
                    ),
                )
                for number in range(processes)
            ]
            for worker in workers:
                worker.start()
            try:
                warm_failures = [await asyncio.to_thread(ready.get, True, 300) for _ in workers]
                if any(warm_failures):
                    raise RuntimeError("a process failed while warming up")
                database_before = database_cpu_seconds()
                go.set()
                shares: list[Share] = [
                    await asyncio.to_thread(results.get, True, 1800) for _ in workers
                ]
                database_cpu = database_cpu_seconds() - database_before
            finally:
                for worker in workers:
                    worker.join(timeout=60)
            checks = await check(
                sessionmaker, (share + WARM_UP_CITIZENS) * processes, Sealer(key_bytes)
            )
    return Partitioned(
        processes=processes,
        updates=sum(s.updates for s in shares),
        seconds=max(s.finished for s in shares) - min(s.started for s in shares),
        cpu_seconds=sum(s.cpu_seconds for s in shares),
        database_cpu_seconds=database_cpu,
        latencies=[latency for s in shares for latency in s.latencies],
        failures=[failure for s in shares for failure in s.failures],
        checks=checks,
    )


async def bench_in_process(postgres: str, citizens: int, redis: str | None) -> dict[str, Any]:
    runs = [await partitioned(postgres, citizens, processes, redis) for processes in (1, 2)]
    one, two = runs
    return {
        "runs": runs,
        "in_process_one_updates_per_s": round(one.per_second, 1),
        "in_process_two_updates_per_s": round(two.per_second, 1),
        "in_process_scale_ratio": round(two.per_second / one.per_second, 3),
        "one_process_cpu_ms_per_update": round(1000 * one.cpu_seconds / max(1, one.updates), 3),
        "two_processes_cpu_ms_per_update": round(1000 * two.cpu_seconds / max(1, two.updates), 3),
        "database_cpu_ms_per_update": round(
            1000 * one.database_cpu_seconds / max(1, one.updates), 3
        ),
        "failures": sum(len(run.failures) for run in runs),
        "lost": sum(run.checks.lost for run in runs),
        "applied_twice": sum(run.checks.applied_twice for run in runs),
        "invariant_violations": sum(run.checks.violations for run in runs),
    }


def report_in_process(figures: dict[str, Any], citizens: int, redis: str | None) -> str:
    lock = "Redis" if redis else "PostgreSQL"
    rows = [
        f"{citizens} citizens through the vote ({UPDATES_PER_CITIZEN} updates each), fed in "
        f"process to 1 then 2 bot processes on one PostgreSQL, chats partitioned between "
        f"them; chats' locks in {lock}",
        "",
        f"{'processes':<10}{'updates':>8}{'seconds':>9}{'upd/s':>8}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'bot CPU ms/upd':>16}{'PG CPU ms/upd':>15}",
    ]
    for run in figures["runs"]:
        rows.append(
            f"{run.processes:<10}{run.updates:>8}{run.seconds:>9.2f}{run.per_second:>8.0f}"
            f"{run.percentile(0.5):>9.1f}{run.percentile(0.99):>9.1f}"
            f"{1000 * run.cpu_seconds / max(1, run.updates):>16.3f}"
            f"{1000 * run.database_cpu_seconds / max(1, run.updates):>15.3f}"
        )
    rows += [
        "",
        f"scale ratio 2/1: {figures['in_process_scale_ratio']:.2f}; failures "
        f"{figures['failures']}, lost {figures['lost']}, applied twice "
        f"{figures['applied_twice']}, invariant violations {figures['invariant_violations']}",
    ]
    for run in figures["runs"]:
        if run.failures:
            rows.append(f"FAILED with {run.processes} process(es): {run.failures[0]}")
    rows.append(json.dumps({k: v for k, v in figures.items() if k != "runs"}))
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale")
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--citizens", type=int, default=600)
    parser.add_argument("--redis", default=None)
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="feed the updates inside each bot process instead of over HTTP",
    )
    args = parser.parse_args()
    if args.in_process:
        measured = asyncio.run(bench_in_process(args.postgres, args.citizens, args.redis))
        print(report_in_process(measured, args.citizens, args.redis), flush=True)
        if measured["failures"]:
            raise SystemExit(1)
        return
    figures = asyncio.run(bench(args.postgres, args.citizens, args.redis))
    print(report(figures, args.citizens, args.redis))


if __name__ == "__main__":
    main()
