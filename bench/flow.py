"""How fast the bot takes citizens through the idea form, next to a bare echo bot.

N simulated citizens each /start, agree to the privacy notice, fill in the idea form and
publish, through the real dispatcher and the recording session (no network). The echo bot is
fed the same number and kinds of updates through the same harness, so that the difference is
what pbbot itself costs: its middleware, its database, its rendering.

Each update reaches the bot as it comes from Telegram: the JSON Telegram would send, parsed
and bound to the Bot as aiogram does for a real one (so aiogram does not validate it again).
CPU per update is the process's CPU time (all threads) for the throughput run, divided by the
updates, less what the harness spends writing the citizens' updates (Telegram's side of the
work); SQL round trips are the database calls the engine makes (statements, BEGIN on
PostgreSQL, COMMIT, ROLLBACK, pings), counted by SQLAlchemy's events.

    python -m bench.flow                        # 1 000 citizens on SQLite
    python -m bench.flow --citizens 50          # a quick smoke check
    python -m bench.flow --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/test
    python -m bench.flow --compare hot-routes   # with and without a change, alternated
    python -m bench.flow --compare sqlite-loop  # SQLite's calls on aiosqlite's thread, then
                                                # on the loop, alternated

The last line of output is one JSON object with the figures.
"""

import argparse
import asyncio
import json
import logging
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import asyncpg
from aiogram import Bot, Dispatcher
from aiogram.types import CallbackQuery, Message, Update
from aiogram.utils.i18n import I18n
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.rehearsal.simulator import Citizen, OfflineSession, Simulator
from bot.runtime import collection
from bot.runtime.dispatcher import build_dispatcher
from bot.runtime.i18n import create_i18n
from bot.runtime.settings import Settings
from storage.database import create_engine, create_sessionmaker, normalise_url
from storage.migrate import upgrade
from storage.sealing import Sealer
from storage.tables import IdeaRow
from storage.unit_of_work import UnitOfWork

EXAMPLE_EDITION = Path(__file__).resolve().parent.parent / "examples" / "namur.toml"
# Inside the example edition's deposit phase.
DURING_DEPOSIT = datetime(2026, 12, 1, 12, tzinfo=ZoneInfo("Europe/Brussels")).astimezone(UTC)
FIRST_USER_ID = 2_000_000
THEMES = (
    "Environment and biodiversity",
    "Mobility",
    "Social cohesion and solidarity",
    "Culture and heritage",
    "Sport and health",
    "Youth and education",
    "Rural life and farming",
)
SKIP = "Skip ⏭"
# The messages each citizen remembers: enough to find the buttons of the latest question.
KEEP_SHOWN = 4

Sessionmaker = async_sessionmaker[AsyncSession]

# -- what each citizen does ----------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    kind: Literal["text", "document", "location", "click"]
    value: str = ""


def text(value: str) -> Action:
    return Action("text", value)


def click(label: str) -> Action:
    return Action("click", label)


def plan(index: int) -> list[Action]:
    """One citizen's way through the form: some type the optional answers, some skip them."""
    actions = [
        text("/start"),
        click("✅ I agree"),
        click("💡 Deposit an idea"),
        click("✍️ Start my idea"),
    ]
    if index % 5 == 4:
        actions += [click("🏢 My organisation"), text(f"Association no. {index}")]
    else:
        actions.append(click("🙋 Myself"))
    actions += [
        text(f"Idea no. {index}: we could plant an orchard"),
        text("Twenty apple trees by the school of Jambes."),
        text("Teach children where fruit comes from.") if index % 2 == 0 else click(SKIP),
        text("The 300 pupils and the neighbours.") if index % 3 == 0 else click(SKIP),
        click(THEMES[index % len(THEMES)]),
        Action("document", f"plan-{index}.pdf"),
        click("Done ✔"),
        text("The association plants; the commune waters.") if index % 4 == 0 else click(SKIP),
        Action("location", "50.4542,4.8721"),
        text("12 500"),
        click(SKIP),  # the image
        click("✅ Publish"),
    ]
    return actions


async def act_on_pbbot(citizen: Citizen, action: Action) -> None:
    if action.kind == "click":
        await citizen.click(action.value)
    else:
        await _send(citizen, action)


async def act_on_echo(citizen: Citizen, action: Action) -> None:
    # The echo bot shows no buttons: a callback query with some data stands for the click.
    if action.kind == "click":
        await citizen.press(f"echo:{len(action.value)}")
    else:
        await _send(citizen, action)


async def _send(citizen: Citizen, action: Action) -> None:
    if action.kind == "text":
        await citizen.send(action.value)
    elif action.kind == "document":
        await citizen.send_document(action.value)
    elif action.kind == "location":
        latitude, longitude = (float(part) for part in action.value.split(","))
        await citizen.send_location(latitude, longitude)
    else:
        raise ValueError(action.kind)


Act = Callable[[Citizen, Action], Awaitable[None]]

# -- the harness ---------------------------------------------------------------------------


class TimedCitizen(Citizen):
    """A citizen whose updates are written as Telegram writes them, the harness's CPU time
    for it counted apart (in production it is spent on Telegram's side)."""

    simulator: "TimedSimulator"

    def message_update(self, **content: Any) -> Update:
        started = time.process_time()
        try:
            return super().message_update(**content)
        finally:
            self.simulator.harness_cpu += time.process_time() - started

    def press_update(self, data: str, message: Any = None) -> Update:
        started = time.process_time()
        try:
            return super().press_update(data, message)
        finally:
            self.simulator.harness_cpu += time.process_time() - started


class TimedSimulator(Simulator):
    """The simulator, timing each update from its arrival to the end of its handling.

    It keeps no more of the conversation than the citizens need to find their buttons: the
    recording session would otherwise hold every message of the run, and the garbage collector
    would spend long pauses walking through the stand-in's memory instead of the bot's."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        session: OfflineSession | None = None,
        first_update_id: int | None = None,
    ) -> None:
        super().__init__(dispatcher, session, first_update_id)
        self.latencies: list[float] = []
        self.harness_cpu = 0.0

    def citizen(
        self, user_id: int, language_code: str | None = "fr", first_name: str = "Camille"
    ) -> Citizen:
        citizen = super().citizen(user_id, language_code, first_name)
        timed = self.users[user_id] = TimedCitizen(self, citizen.user)
        return timed

    async def feed(self, update: Update) -> None:
        # What Telegram sends: the harness's work.
        written = time.process_time()
        raw = update.model_dump_json(exclude_none=True)
        self.harness_cpu += time.process_time() - written
        started = time.perf_counter()
        try:
            # What the bot does with it, as aiogram's webhook and polling do.
            bound = Update.model_validate_json(raw, context={"bot": self.bot})
            await self.dispatcher.feed_update(self.bot, bound)
        finally:
            self.latencies.append(time.perf_counter() - started)
            self.session.requests.clear()

    def forget(self, citizen: Citizen, keep: int = 0) -> None:
        """Forget what `citizen` was shown, but for the last `keep` messages."""
        old = citizen.shown[: len(citizen.shown) - keep] if keep else list(citizen.shown)
        del citizen.shown[: len(old)]
        for shown in old:
            self.session.forget(shown)


class RoundTrips:
    """The calls an engine makes to its database, counted while `counting`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        self.counting = False
        sync = engine.sync_engine
        postgres = sync.dialect.name == "postgresql"
        event.listen(sync, "before_cursor_execute", self._one)
        event.listen(sync, "commit", self._one)
        event.listen(sync, "rollback", self._one)
        if postgres:
            # asyncpg sends BEGIN on its own; on SQLite it is a statement, counted above.
            event.listen(sync, "begin", self._one)
        if sync.pool._pre_ping:
            event.listen(sync.pool, "checkout", self._one)

    def _one(self, *_: object) -> None:
        if self.counting:
            self.count += 1


@dataclass
class Run:
    updates: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    # One line for each citizen whose update failed (they give up there, as a person would).
    failures: list[str] = field(default_factory=list)
    # The process's CPU time for the run, less the harness's.
    cpu_seconds: float = 0.0
    round_trips: int = 0

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds

    @property
    def cpu_ms_per_update(self) -> float:
        return 1000 * self.cpu_seconds / max(1, self.updates)

    @property
    def round_trips_per_update(self) -> float:
        return self.round_trips / max(1, self.updates)

    def percentile(self, q: float) -> float:
        """The q-th percentile of the latencies, in milliseconds (nearest rank)."""
        ordered = sorted(self.latencies)
        rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered)) - 1))
        return ordered[rank] * 1000


async def drive(
    dispatcher: Dispatcher,
    act: Act,
    plans: Sequence[Sequence[Action]],
    citizens_per_second: float | None = None,
    first_user_id: int = FIRST_USER_ID,
    first_update_id: int | None = None,
) -> Run:
    """All citizens at once (closed loop), or arriving at a steady rate (open loop); each
    citizen's updates strictly in order, the next one fed as soon as the previous is handled."""
    simulator = TimedSimulator(dispatcher, first_update_id=first_update_id)
    citizens = [
        simulator.citizen(first_user_id + index, "en", f"Citizen {index}")
        for index in range(len(plans))
    ]
    loop = asyncio.get_running_loop()
    failures: list[str] = []

    async def one(index: int, start_at: float | None) -> None:
        if start_at is not None:
            await asyncio.sleep(max(0.0, start_at - loop.time()))
        for step, action in enumerate(plans[index]):
            # A reply goes over the network and the next update comes back over it: never in
            # the same turn of the event loop. Without this yield the recording session
            # answers at once and a citizen could chain all their updates in one go.
            await asyncio.sleep(0)
            try:
                await act(citizens[index], action)
            except Exception as error:
                failures.append(f"citizen {index}, step {step}: {type(error).__name__}: {error}")
                break
            simulator.forget(citizens[index], keep=KEEP_SHOWN)
        simulator.forget(citizens[index])

    # As `pbbot run` does once started, for pbbot and the echo bot alike.
    collection.settle()
    started = time.perf_counter()
    cpu_started = time.process_time()
    t0 = loop.time()
    await asyncio.gather(
        *(
            one(index, None if citizens_per_second is None else t0 + index / citizens_per_second)
            for index in range(len(plans))
        )
    )
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started - simulator.harness_cpu
    # Let the run go: the next one should not walk through this one's objects when it collects
    # garbage (the session outlives its simulator, as it is cached with its Bot).
    simulator.session.listeners.clear()
    simulator.users.clear()
    return Run(len(simulator.latencies), seconds, simulator.latencies, failures, cpu_seconds)


def build_echo_dispatcher() -> Dispatcher:
    """A bare aiogram bot: MemoryStorage, no database, every message echoed back."""
    dispatcher = Dispatcher()

    async def echo(message: Message, bot: Bot) -> None:
        await bot.send_message(message.chat.id, message.text or "echo")

    async def answer(query: CallbackQuery, bot: Bot) -> None:
        await bot.answer_callback_query(query.id)

    dispatcher.message.register(echo)
    dispatcher.callback_query.register(answer)
    return dispatcher


# -- databases -----------------------------------------------------------------------------


@asynccontextmanager
async def fresh_database(
    postgres: str | None, workdir: Path, sqlite_thread: bool = False
) -> AsyncIterator[Sessionmaker]:
    """A new database, migrated, with the example edition loaded; gone afterwards. With
    `sqlite_thread`, SQLite's calls go through aiosqlite's thread instead of the loop."""
    if postgres is None:
        url = f"sqlite+aiosqlite:///{workdir / f'bench-{secrets.token_hex(4)}.db'}"
        async with _prepared(url, sqlite_thread) as sessionmaker:
            yield sessionmaker
        return
    server = make_url(normalise_url(postgres))
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"pbbot_bench_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(admin, timeout=5)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    try:
        async with _prepared(server.set(database=name).render_as_string(False)) as sessionmaker:
            yield sessionmaker
    finally:
        connection = await asyncpg.connect(admin, timeout=5)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


@asynccontextmanager
async def _prepared(url: str, sqlite_thread: bool = False) -> AsyncIterator[Sessionmaker]:
    engine = create_engine(url, sqlite_thread=sqlite_thread)
    try:
        await upgrade(engine)
        sessionmaker = create_sessionmaker(engine)
        async with UnitOfWork(sessionmaker) as uow:
            await uow.editions.save(EXAMPLE_EDITION.read_text(encoding="utf-8"), datetime.now(UTC))
            await uow.commit()
        yield sessionmaker
    finally:
        await engine.dispose()


async def count_ideas(sessionmaker: Sessionmaker) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(IdeaRow)) or 0)


async def drive_pbbot(
    i18n: I18n,
    plans: Sequence[Sequence[Action]],
    postgres: str | None,
    workdir: Path,
    citizens_per_second: float | None = None,
    variant: str = "",
) -> Run:
    """With `variant` "without-caches", as pbbot was before its caches (each update reads
    its citizen and states and commits alone, a ping before each use of a connection); with
    "without-hot-routes", every update goes through aiogram's routers, the form's buttons
    and answers included (bot.runtime.hot_routes); with "sqlite-thread", as it was before
    SQLite's calls ran on the loop."""
    sqlite_thread = variant == "sqlite-thread"
    async with fresh_database(postgres, workdir, sqlite_thread) as sessionmaker:
        if variant == "without-caches":
            sessionmaker.kw["bind"].sync_engine.pool._pre_ping = postgres is not None
        dispatcher = build_dispatcher(
            Settings(_env_file=None),
            sessionmaker,
            i18n,
            lambda: DURING_DEPOSIT,
            sealer=Sealer(secrets.token_bytes(32)),
            caches=variant != "without-caches",
            hot_routes=variant != "without-hot-routes",
        )
        round_trips = RoundTrips(sessionmaker.kw["bind"])
        round_trips.counting = True
        run = await drive(dispatcher, act_on_pbbot, plans, citizens_per_second)
        round_trips.counting = False
        run.round_trips = round_trips.count
        ideas = await count_ideas(sessionmaker)
    if ideas != len(plans) - len(run.failures):
        raise RuntimeError(
            f"{ideas} ideas were published by {len(plans) - len(run.failures)} citizens"
        )
    return run


# -- the benchmark -------------------------------------------------------------------------


@dataclass
class Figures:
    backend: str
    citizens: int
    pbbot: Run
    echo: Run
    pbbot_latency: Run
    echo_latency: Run
    citizens_per_second: float
    updates_per_citizen: float

    @property
    def ratio(self) -> float:
        return self.pbbot.per_second / self.echo.per_second

    @property
    def runs(self) -> dict[str, Run]:
        return {
            "pbbot throughput": self.pbbot,
            "echo throughput": self.echo,
            "pbbot latency": self.pbbot_latency,
            "echo latency": self.echo_latency,
        }

    @property
    def failed(self) -> bool:
        return any(run.failures for run in self.runs.values())


async def benchmark(citizens: int, postgres: str | None) -> Figures:
    i18n = create_i18n()
    plans = [plan(index) for index in range(citizens)]
    with tempfile.TemporaryDirectory(prefix="pbbot-bench-") as directory:
        workdir = Path(directory)
        pbbot = await drive_pbbot(i18n, plans, postgres, workdir)
        echo = await drive(build_echo_dispatcher(), act_on_echo, plans)
        if not pbbot.failures and pbbot.updates != echo.updates:
            raise RuntimeError(f"pbbot took {pbbot.updates} updates, echo {echo.updates}")
        # Open loop at half pbbot's throughput: citizens arrive so that updates come at that
        # rate on average.
        updates_per_citizen = sum(len(actions) for actions in plans) / citizens
        citizens_per_second = pbbot.per_second / 2 / updates_per_citizen
        pbbot_latency = await drive_pbbot(i18n, plans, postgres, workdir, citizens_per_second)
        echo_latency = await drive(build_echo_dispatcher(), act_on_echo, plans, citizens_per_second)
    return Figures(
        backend="sqlite" if postgres is None else "postgresql",
        citizens=citizens,
        pbbot=pbbot,
        echo=echo,
        pbbot_latency=pbbot_latency,
        echo_latency=echo_latency,
        citizens_per_second=citizens_per_second,
        updates_per_citizen=updates_per_citizen,
    )


VARIANTS = {
    "caches": ("without-caches", ""),
    "hot-routes": ("without-hot-routes", ""),
    "sqlite-loop": ("sqlite-thread", ""),
}


async def compare(
    citizens: int, postgres: str | None, name: str, rounds: int, latency: bool = False
) -> dict[str, dict[str, Any]]:
    """The baseline and the variant, alternated in one process (which goes first alternates
    too), `rounds` times each: the medians of their throughput runs and each run's CPU, and
    with `latency` their p50 and p99 with citizens arriving at half the first run's
    throughput (the same rate for every run)."""
    i18n = create_i18n()
    plans = [plan(index) for index in range(citizens)]
    updates_per_citizen = sum(len(actions) for actions in plans) / citizens
    runs: dict[str, list[Run]] = {label: [] for label in VARIANTS[name]}
    timed: dict[str, list[Run]] = {label: [] for label in VARIANTS[name]}
    rate: float | None = None
    with tempfile.TemporaryDirectory(prefix="pbbot-bench-") as directory:
        for round_ in range(rounds):
            order = VARIANTS[name] if round_ % 2 == 0 else VARIANTS[name][::-1]
            for label in order:
                run = await drive_pbbot(i18n, plans, postgres, Path(directory), variant=label)
                if run.failures:
                    raise RuntimeError(f"{label or 'pbbot'}: {run.failures[0]}")
                runs[label].append(run)
                if not latency:
                    continue
                rate = rate or run.per_second / 2 / updates_per_citizen
                run = await drive_pbbot(i18n, plans, postgres, Path(directory), rate, label)
                if run.failures:
                    raise RuntimeError(f"{label or 'pbbot'}: {run.failures[0]}")
                timed[label].append(run)
    medians = {
        label or "pbbot": {
            "updates_per_s": statistics.median(run.per_second for run in kept),
            "cpu_ms_per_update": statistics.median(run.cpu_ms_per_update for run in kept),
            "sql_round_trips_per_update": statistics.median(
                run.round_trips_per_update for run in kept
            ),
            "cpu_ms_each": [round(run.cpu_ms_per_update, 3) for run in kept],
        }
        for label, kept in runs.items()
    }
    for label, kept in timed.items():
        if kept:
            medians[label or "pbbot"] |= {
                "p50_ms": statistics.median(run.percentile(50) for run in kept),
                "p99_ms": statistics.median(run.percentile(99) for run in kept),
            }
    return medians


def report(figures: Figures) -> str:
    rows = [
        f"{figures.citizens} citizens deposit an idea each, on {figures.backend}; latency with "
        f"citizens arriving at {figures.citizens_per_second:.1f}/s "
        f"({figures.citizens_per_second * figures.updates_per_citizen:.0f} updates/s, half "
        "pbbot's throughput; the echo bot gets the same arrivals)",
        "",
        f"{'bot':<6} {'updates':>8} {'seconds':>8} {'updates/s':>10} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'CPU ms/update':>14} {'SQL/update':>11}",
    ]
    for name, throughput, latency in (
        ("pbbot", figures.pbbot, figures.pbbot_latency),
        ("echo", figures.echo, figures.echo_latency),
    ):
        rows.append(
            f"{name:<6} {throughput.updates:>8} {throughput.seconds:>8.2f} "
            f"{throughput.per_second:>10.0f} {latency.percentile(50):>8.2f} "
            f"{latency.percentile(99):>8.2f} {throughput.cpu_ms_per_update:>14.3f} "
            f"{throughput.round_trips_per_update if name == 'pbbot' else 0:>11.2f}"
        )
    rows += ["", f"throughput ratio pbbot/echo: {figures.ratio:.3f}"]
    for name, run in figures.runs.items():
        if run.failures:
            rows.append(
                f"FAILED in the {name} run: {len(run.failures)} of {figures.citizens} citizens "
                f"stopped on an error; the figures are not valid. First: {run.failures[0]}"
            )
    return "\n".join(rows)


def summary(figures: Figures) -> str:
    return json.dumps(
        {
            "pbbot_updates_per_s": round(figures.pbbot.per_second, 1),
            "echo_updates_per_s": round(figures.echo.per_second, 1),
            "ratio": round(figures.ratio, 4),
            "p50_ms": round(figures.pbbot_latency.percentile(50), 3),
            "p99_ms": round(figures.pbbot_latency.percentile(99), 3),
            "pbbot_cpu_ms_per_update": round(figures.pbbot.cpu_ms_per_update, 3),
            "echo_cpu_ms_per_update": round(figures.echo.cpu_ms_per_update, 3),
            "sql_round_trips_per_update": round(figures.pbbot.round_trips_per_update, 2),
            "backend": figures.backend,
        }
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.flow", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument(
        "--citizens", type=int, default=1000, help="simulated citizens (default 1000)"
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="run on this PostgreSQL server (a database of its own is created and dropped), "
        "e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test",
    )
    parser.add_argument(
        "--compare",
        choices=sorted(VARIANTS),
        help="measure pbbot with and without a change instead, alternated in one process",
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="with --compare, runs of each (default 3)"
    )
    parser.add_argument(
        "--latency",
        action="store_true",
        help="with --compare, also p50 and p99 with citizens arriving at half the first run's "
        "throughput",
    )
    args = parser.parse_args(argv)
    if args.citizens < 1:
        parser.error("--citizens must be at least 1")
    # aiogram logs every update at INFO; the last line of output must be the JSON.
    for name in ("aiogram", "aiogram.event", "aiogram.dispatcher"):
        logging.getLogger(name).setLevel(logging.WARNING)
    if args.compare:
        load_before = os.getloadavg()[0]
        medians = asyncio.run(
            compare(args.citizens, args.postgres, args.compare, args.rounds, args.latency)
        )
        load = [round(load_before, 1), round(os.getloadavg()[0], 1)]
        print(
            f"medians of {args.rounds} alternated runs, {args.citizens} citizens, "
            f"load average {load[0]} before, {load[1]} after"
        )
        print(
            f"{'':<20} {'updates/s':>10} {'CPU ms/update':>14} {'SQL/update':>11}"
            + (f" {'p50 ms':>8} {'p99 ms':>8}" if args.latency else "")
            + "  each run"
        )
        for label, figures_of in medians.items():
            print(
                f"{label:<20} {figures_of['updates_per_s']:>10.0f} "
                f"{figures_of['cpu_ms_per_update']:>14.3f} "
                f"{figures_of['sql_round_trips_per_update']:>11.2f}"
                + (
                    f" {figures_of['p50_ms']:>8.2f} {figures_of['p99_ms']:>8.2f}"
                    if args.latency
                    else ""
                )
                + "  "
                + " ".join(f"{cpu:.2f}" for cpu in figures_of["cpu_ms_each"])
            )
        print(json.dumps({"compare": args.compare, "load": load, **medians}), flush=True)
        return
    figures = asyncio.run(benchmark(args.citizens, args.postgres))
    print(report(figures), flush=True)
    print(summary(figures), flush=True)
    if figures.failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
