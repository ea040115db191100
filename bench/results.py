"""How fast pbbot computes the results of a vote, next to pabutools on the same instance.

A seeded vote: 40 projects costing 5 000 to 80 000 €, a budget of 200 000 €, and N citizens
who each fill an envelope of 200 000 € with projects of skewed popularity (a few very popular,
a long tail), never over the envelope; some choose one project, some many. Equal Shares leaves
much of the money unspent at first (the long tail's supporters cannot afford their projects),
so its share per voter is raised by 1 € and the method run again, several times: the expensive
case. Each raise adds 1 € × N to the money handed out, so the larger N, the fewer runs (about
40 at 10 000 ballots, 6 at 100 000); the report says how many there were.

What is timed, on the same instance, for each rule:

- pbbot: from a built `Election` (the ballots already frozensets, as `Election.of` makes them)
  to the winners: `greedy(election)` and `equal_shares(election, voter_budget_increment=1)`,
  tallying the ballots included. Best of a few repeats.
- pabutools: the rule call alone, on an instance and an approval profile (one ballot per
  citizen) built beforehand, with only the projects someone voted for (pbbot never funds the
  others): `greedy_utilitarian_welfare(..., sat_class=Cost_Sat, tie_breaking=lexico)` and
  `completion_by_rule_combination` of `method_of_equal_shares(..., sat_class=Cost_Sat,
  voter_budget_increment=1)` then `greedy_utilitarian_welfare`. Once, as it is slow.

    python -m bench.results                     # 10 000 and 100 000 ballots
    python -m bench.results --ballots 2000      # a quick check, a few seconds
    python -m bench.results --ballots 5000 50000 --seed 7

With `--from-db`, a national vote instead, end to end as `pbbot results` and /results count it:
a database (a temporary SQLite file, or `--database URL`, e.g. an empty PostgreSQL database) is
filled with an edition of 300 projects (or `--projects`; 5 000 to 80 000 €, an envelope of
5 000 000 €) and N published ballots (default 1 000 000) of skewed popularity, not timed; then
what is timed is `edition_results`: reading the projects and the ballots grouped by the
database, turning them into the arrays the rules count on and computing the winners. The two
rules are timed in turn (greedy, Equal Shares, greedy...), five times each, and the medians
reported, in wall time and in this process's CPU time (the machine may be shared; PostgreSQL's
own CPU is not in the latter), with the load average. PostgreSQL's table is vacuumed after
the filling, as autovacuum does soon after a real close. The winners are checked against the
rules run on the ballots one by one, and the report says how many runs of Equal Shares had a
choice too close to call in floats and were made exactly.

    python -m bench.results --from-db                      # 1 000 000 ballots, SQLite
    python -m bench.results --from-db --ballots 100000 --database postgresql://...

The last line of output is one JSON object with the figures of the largest number of ballots.
"""

import argparse
import json
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from unittest import mock

from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance
from pabutools.election import Project as PabuProject
from pabutools.rules import (
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)
from pabutools.tiebreaking import lexico_tie_breaking

from budget import results as pbbot
from budget.results import Election, Project, equal_shares, greedy

PROJECTS = 40
BUDGET = 200_000
ENVELOPE = 200_000
DEFAULT_BALLOTS = (10_000, 100_000)
DEFAULT_SEED = 1
PBBOT_REPEATS = 3

# -- the vote ------------------------------------------------------------------------------


def make_projects(rng: random.Random) -> list[Project]:
    """40 projects from 5 000 to 80 000 €, in steps of 500 €, evenly spread.

    Ids of equal length, so that string order is number order."""
    projects = []
    for number in range(1, PROJECTS + 1):
        cost = 5_000 + round(75_000 * rng.random() / 500) * 500
        projects.append(Project(f"p{number:02}", cost))
    return projects


def make_ballots(rng: random.Random, projects: Sequence[Project], count: int) -> list[list[str]]:
    """`count` envelopes. Popularity follows a Zipf-like law over a shuffled order of the
    projects (the first about 28 times as popular as the last); each citizen wants a number
    of projects (one for 30% of them, two or three for most others, up to a dozen for a few)
    and draws them by popularity, skipping any that would overflow the envelope."""
    order = list(projects)
    rng.shuffle(order)
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(order))]
    ballots = []
    for _ in range(count):
        wanted = 1 if rng.random() < 0.3 else min(12, 2 + int(rng.expovariate(1 / 1.5)))
        left = ENVELOPE
        pool, pool_weights = list(order), list(weights)
        ballot: list[str] = []
        while pool and len(ballot) < wanted:
            (index,) = rng.choices(range(len(pool)), weights=pool_weights)
            project = pool.pop(index)
            del pool_weights[index]
            if project.cost <= left:
                ballot.append(project.id)
                left -= project.cost
        ballots.append(ballot)
    return ballots


# -- pabutools ------------------------------------------------------------------------------


def pabutools_instance(
    election: Election,
) -> tuple[Instance, ApprovalProfile]:
    """The instance with the voted-for projects only, and one approval ballot per citizen."""
    voted = set().union(*election.ballots)
    projects = {p.id: PabuProject(p.id, p.cost) for p in election.projects if p.id in voted}
    instance = Instance(projects.values(), budget_limit=election.budget)
    profile = ApprovalProfile(
        (ApprovalBallot(projects[id] for id in ballot) for ballot in election.ballots),
        instance=instance,
    )
    return instance, profile


def pabutools_greedy(instance: Instance, profile: ApprovalProfile) -> Any:
    return greedy_utilitarian_welfare(
        instance, profile, sat_class=Cost_Sat, tie_breaking=lexico_tie_breaking
    )


def pabutools_mes(instance: Instance, profile: ApprovalProfile) -> Any:
    return completion_by_rule_combination(
        instance,
        profile,
        [method_of_equal_shares, greedy_utilitarian_welfare],
        [
            {
                "sat_class": Cost_Sat,
                "voter_budget_increment": 1,
                "tie_breaking": lexico_tie_breaking,
            },
            {"sat_class": Cost_Sat, "tie_breaking": lexico_tie_breaking},
        ],
    )


# -- timing ----------------------------------------------------------------------------------


def timed(
    call: Callable[..., Any], repeats: int, fresh: Callable[[], Election] | None = None
) -> tuple[float, Any]:
    """The best time of `repeats` calls, in seconds, and what the last call returned; with
    `fresh`, each call is given a new election it makes (not timed)."""
    best, result = float("inf"), None
    for _ in range(repeats):
        arguments = () if fresh is None else (fresh(),)
        started = time.perf_counter()
        result = call(*arguments)
        best = min(best, time.perf_counter() - started)
    return best, result


@dataclass
class Rule:
    name: str
    pbbot_s: float
    pabutools_s: float
    same_winners: bool

    @property
    def speedup(self) -> float:
        return self.pabutools_s / self.pbbot_s


@dataclass
class Run:
    ballots: int
    distinct: int
    mes_runs: int
    election_of_s: float
    greedy: Rule
    mes: Rule

    @property
    def same_winners(self) -> bool:
        return self.greedy.same_winners and self.mes.same_winners


def equal_shares_runs(election: Election) -> int:
    """How many runs of Equal Shares the increment loop makes (counted apart, not timed)."""
    with mock.patch.object(
        pbbot._EqualShares, "run", autospec=True, side_effect=pbbot._EqualShares.run
    ) as run:
        equal_shares(election, voter_budget_increment=1)
    return int(run.call_count)


def measure(ballots: int, seed: int) -> Run:
    rng = random.Random(f"{seed}-{ballots}")
    projects = make_projects(rng)
    cast = make_ballots(rng, projects, ballots)

    def fresh() -> Election:
        # A new election for each call: a frozenset keeps its hash once computed, and the
        # tally is what computes it.
        return Election.of(projects, BUDGET, cast)

    election_of_s, election = timed(fresh, PBBOT_REPEATS)
    instance, profile = pabutools_instance(election)

    greedy_s, greedy_results = timed(greedy, PBBOT_REPEATS, fresh)
    pabu_greedy_s, pabu_greedy = timed(lambda: pabutools_greedy(instance, profile), 1)
    mes_s, mes_results = timed(
        lambda e: equal_shares(e, voter_budget_increment=1), PBBOT_REPEATS, fresh
    )
    pabu_mes_s, pabu_mes = timed(lambda: pabutools_mes(instance, profile), 1)

    return Run(
        ballots=ballots,
        distinct=len(set(election.ballots)),
        mes_runs=equal_shares_runs(election),
        election_of_s=election_of_s,
        greedy=Rule(
            "greedy",
            greedy_s,
            pabu_greedy_s,
            set(greedy_results.winners) == {p.name for p in pabu_greedy},
        ),
        mes=Rule(
            "mes",
            mes_s,
            pabu_mes_s,
            set(mes_results.winners) == {p.name for p in pabu_mes},
        ),
    )


# -- the report -------------------------------------------------------------------------------


def report(runs: Sequence[Run]) -> str:
    rows = [
        f"{PROJECTS} projects, a budget of {BUDGET:,} €, envelopes of {ENVELOPE:,} €; "
        f"pbbot best of {PBBOT_REPEATS}, pabutools once",
        "",
        f"{'ballots':>8} {'distinct':>8} {'rule':<7} {'pbbot s':>9} {'pabutools s':>11} "
        f"{'speedup':>8} {'same winners':>12}",
    ]
    for run in runs:
        for rule in (run.greedy, run.mes):
            rows.append(
                f"{run.ballots:>8} {run.distinct:>8} {rule.name:<7} {rule.pbbot_s:>9.4f} "
                f"{rule.pabutools_s:>11.3f} {rule.speedup:>7.1f}× "
                f"{'yes' if rule.same_winners else 'NO':>12}"
            )
    rows.append("")
    for run in runs:
        rows.append(
            f"{run.ballots} ballots: Equal Shares ran {run.mes_runs} times (share per voter "
            f"raised by 1 € between runs); Election.of took {run.election_of_s:.4f} s "
            "(not in the pbbot times)"
        )
    return "\n".join(rows)


def figures(run: Run) -> dict[str, Any]:
    return {
        "ballots": run.ballots,
        "greedy_s": round(run.greedy.pbbot_s, 5),
        "pabutools_greedy_s": round(run.greedy.pabutools_s, 4),
        "greedy_speedup": round(run.greedy.speedup, 1),
        "mes_s": round(run.mes.pbbot_s, 5),
        "pabutools_mes_s": round(run.mes.pabutools_s, 4),
        "mes_speedup": round(run.mes.speedup, 1),
        "mes_runs": run.mes_runs,
        "same_winners": run.same_winners,
    }


def summary(runs: Sequence[Run]) -> str:
    largest = max(runs, key=lambda run: run.ballots)
    return json.dumps({**figures(largest), "runs": [figures(run) for run in runs]})


# -- a national vote, from the database -------------------------------------------------------

DB_PROJECTS = 300
DB_ENVELOPE_EUROS = 5_000_000
DB_DEFAULT_BALLOTS = 1_000_000
DB_REPEATS = 5
DB_CHUNK = 20_000


def national_ballots(rng: random.Random, projects: int, count: int) -> list[list[int]]:
    """`count` ballots over project numbers 0..projects-1: popularity Zipf-like over a shuffled
    order, one project for 30% of the citizens, two or three for most others, up to a dozen
    for a few (drawn with numpy: a Python draw per project would take longer than the count)."""
    import numpy

    generator = numpy.random.default_rng(rng.randrange(2**32))
    order = numpy.array(rng.sample(range(projects), projects))
    weights = 1 / (numpy.arange(projects) + 1) ** 0.9
    cumulative = numpy.cumsum(weights / weights.sum())
    drawn = order[
        numpy.minimum(numpy.searchsorted(cumulative, generator.random((count, 12))), projects - 1)
    ]
    wanted = numpy.where(
        generator.random(count) < 0.3,
        1,
        numpy.minimum(12, 2 + (generator.exponential(1.5, count)).astype(int)),
    )
    return [
        list(dict.fromkeys(row))[:k] for row, k in zip(drawn.tolist(), wanted.tolist(), strict=True)
    ]


@dataclass
class DbRule:
    name: str
    wall_s: float
    cpu_s: float
    read_wall_s: float
    same_winners: bool
    winners: int


@dataclass
class DbRun:
    ballots: int
    distinct: int
    projects: int
    database: str
    fill_s: float
    greedy: DbRule
    mes: DbRule
    mes_runs: int
    mes_runs_exact: int
    load: tuple[float, float]  # the 1-minute load average before and after the timings


async def fill_database(
    url: str, seed: int, count: int, source: str, projects: int = DB_PROJECTS
) -> tuple[float, list[list[int]], list[int]]:
    """An edition with its projects and `count` published ballots; return the time it took,
    the ballots (as project numbers) and the projects' ids in the database."""
    from datetime import UTC, datetime

    from sqlalchemy import insert, update

    from storage.database import create_engine, create_sessionmaker
    from storage.migrate import upgrade
    from storage.tables import BallotItemRow, BallotRow, EditionRow
    from storage.unit_of_work import UnitOfWork
    from storage.voting import project_set

    started = time.perf_counter()
    rng = random.Random(f"{seed}-db-{count}")
    engine = create_engine(url)
    try:
        await upgrade(engine)
        source = source.replace("total = 200000", f"total = {DB_ENVELOPE_EUROS}")
        sessionmaker = create_sessionmaker(engine)
        now = datetime.now(UTC)
        async with UnitOfWork(sessionmaker) as uow:
            stored = await uow.editions.save(source, now)
            ids = []
            for number in range(projects):
                euros = 5_000 + rng.randrange(151) * 500
                title = {"en": f"Project {number + 1}"}
                project = await uow.projects.add(stored.id, title, title, euros * 100, now)
                ids.append(project.id)
            await uow.commit()
        ballots = national_ballots(rng, projects, count)
        for start in range(0, count, DB_CHUNK):
            chunk = ballots[start : start + DB_CHUNK]
            rows = [
                {
                    "id": f"{start + n:032x}",
                    "edition_id": stored.id,
                    "envelope_cents": DB_ENVELOPE_EUROS * 100,
                    "total_cents": 0,
                    "receipt": f"R{start + n:09d}",
                    "project_ids": project_set(ids[i] for i in ballot),
                }
                for n, ballot in enumerate(chunk)
            ]
            items = [
                {"ballot_id": row["id"], "project_id": ids[i]}
                for row, ballot in zip(rows, chunk, strict=True)
                for i in ballot
            ]
            async with engine.begin() as connection:
                await connection.execute(insert(BallotRow), rows)
                await connection.execute(insert(BallotItemRow), items)
        async with engine.begin() as connection:
            await connection.execute(
                update(EditionRow)
                .where(EditionRow.id == stored.id)
                .values(ballots_published_at=now)
            )
        if engine.dialect.name == "postgresql":
            # As autovacuum does within a minute or two of the close, long before the results
            # phase: the planner's statistics, and the visibility map an index-only scan needs.
            async with engine.connect() as connection:
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.exec_driver_sql("VACUUM ANALYZE ballots")
    finally:
        await engine.dispose()
    return time.perf_counter() - started, ballots, ids


async def time_from_db(url: str, repeats: int) -> dict[str, tuple[float, float, float, Any]]:
    """For each rule, the median wall and CPU time of `edition_results`, the median time of
    reading the grouped ballots alone, and the last results; the rules timed in turn."""
    import statistics
    from dataclasses import replace

    from bot.reports.results import edition_results
    from budget.edition import ResultsRule
    from storage.database import create_engine, create_sessionmaker
    from storage.unit_of_work import UnitOfWork

    engine = create_engine(url)
    times: dict[str, list[tuple[float, float, float]]] = {"greedy": [], "mes": []}
    outcomes: dict[str, Any] = {}
    try:
        sessionmaker = create_sessionmaker(engine)
        for _ in range(repeats):
            for rule in times:
                async with UnitOfWork(sessionmaker) as uow:
                    stored = await uow.editions.current(None)
                    assert stored is not None
                    edition = replace(stored.edition, results_rule=ResultsRule(rule))
                    stored = replace(stored, edition=edition)
                    wall, cpu = time.perf_counter(), time.process_time()
                    outcomes[rule] = await edition_results(uow, stored)
                    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                    read = time.perf_counter()
                    await uow.voting.ballot_groups(stored.id)
                    times[rule].append((wall, cpu, time.perf_counter() - read))
    finally:
        await engine.dispose()
    return {
        rule: (
            statistics.median(t[0] for t in measured),
            statistics.median(t[1] for t in measured),
            statistics.median(t[2] for t in measured),
            outcomes[rule],
        )
        for rule, measured in times.items()
    }


def equal_shares_runs_exact(election: Any) -> tuple[int, int]:
    """How many runs of Equal Shares the increment loop makes, and how many of them had a
    choice too close to call in floats and were made exactly (counted apart, not timed)."""
    from bot.reports.results import SHARE_INCREMENT_CENTS

    with (
        mock.patch.object(
            pbbot._EqualShares, "run", autospec=True, side_effect=pbbot._EqualShares.run
        ) as run,
        mock.patch.object(
            pbbot._EqualShares,
            "_run_exactly",
            autospec=True,
            side_effect=pbbot._EqualShares._run_exactly,
        ) as exactly,
    ):
        equal_shares(election, voter_budget_increment=SHARE_INCREMENT_CENTS)
    return int(run.call_count), int(exactly.call_count)


def measure_from_db(count: int, seed: int, url: str | None, projects: int = DB_PROJECTS) -> DbRun:
    import asyncio
    import tempfile
    from pathlib import Path

    from bot.reports.results import SHARE_INCREMENT_CENTS, election_id

    with tempfile.TemporaryDirectory() as folder:
        database = url or f"sqlite:///{Path(folder) / 'national.db'}"
        source = (Path(__file__).resolve().parent.parent / "examples" / "namur.toml").read_text()
        fill_s, ballots, ids = asyncio.run(fill_database(database, seed, count, source, projects))
        load_before = os.getloadavg()[0]
        measured = asyncio.run(time_from_db(database, DB_REPEATS))
        load_after = os.getloadavg()[0]
    # The same vote counted ballot by ballot, as the tests compare it with pabutools.
    outcome = measured["greedy"][3]
    names = [election_id(id) for id in ids]
    one_by_one = Election(
        outcome.election.projects,
        outcome.election.budget,
        tuple(frozenset(names[i] for i in ballot) for ballot in ballots),
    )
    expected = {
        "greedy": greedy(one_by_one).winners,
        "mes": equal_shares(one_by_one, voter_budget_increment=SHARE_INCREMENT_CENTS).winners,
    }
    rules = {}
    for rule, (wall, cpu, read, results) in measured.items():
        rules[rule] = DbRule(
            rule,
            wall,
            cpu,
            read,
            results.results.winners == expected[rule],
            len(results.results.winners),
        )
    mes_runs, mes_runs_exact = equal_shares_runs_exact(outcome.election)
    return DbRun(
        ballots=count,
        distinct=outcome.election.distinct,
        projects=projects,
        database="sqlite" if url is None else url.split(":", 1)[0],
        fill_s=fill_s,
        greedy=rules["greedy"],
        mes=rules["mes"],
        mes_runs=mes_runs,
        mes_runs_exact=mes_runs_exact,
        load=(load_before, load_after),
    )


def report_from_db(run: DbRun) -> str:
    rows = [
        f"{run.ballots:,} published ballots ({run.distinct:,} distinct) over {run.projects} "
        f"projects, an envelope of {DB_ENVELOPE_EUROS:,} €, {run.database}; medians of "
        f"{DB_REPEATS}, the rules in turn; the database filled in {run.fill_s:.1f} s (not "
        f"timed); load average {run.load[0]:.1f} before, {run.load[1]:.1f} after",
        "",
        f"{'rule':<7} {'end to end s':>12} {'CPU s':>7} {'of which read s':>15} "
        f"{'winners':>8} {'same winners':>12}",
    ]
    for rule in (run.greedy, run.mes):
        rows.append(
            f"{rule.name:<7} {rule.wall_s:>12.3f} {rule.cpu_s:>7.3f} {rule.read_wall_s:>15.3f} "
            f"{rule.winners:>8} {'yes' if rule.same_winners else 'NO':>12}"
        )
    rows += [
        "",
        f"Equal Shares ran {run.mes_runs} times (the share per voter raised by 1 € between "
        f"runs), {run.mes_runs_exact} of them made exactly (a choice too close for floats)",
    ]
    return "\n".join(rows)


def summary_from_db(run: DbRun) -> str:
    return json.dumps(
        {
            "from_db": True,
            "database": run.database,
            "ballots": run.ballots,
            "distinct_ballots": run.distinct,
            "projects": run.projects,
            "greedy_s": round(run.greedy.wall_s, 4),
            "greedy_cpu_s": round(run.greedy.cpu_s, 4),
            "mes_s": round(run.mes.wall_s, 4),
            "mes_cpu_s": round(run.mes.cpu_s, 4),
            "read_s": round(min(run.greedy.read_wall_s, run.mes.read_wall_s), 4),
            "mes_runs": run.mes_runs,
            "mes_runs_exact": run.mes_runs_exact,
            "load_average": [round(load, 2) for load in run.load],
            "same_winners": run.greedy.same_winners and run.mes.same_winners,
        }
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.results", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument(
        "--ballots",
        type=int,
        nargs="+",
        default=None,
        metavar="N",
        help="numbers of ballots, one run each (default 10000 100000; with --from-db, "
        "one number, default 1000000)",
    )
    parser.add_argument(
        "--from-db",
        action="store_true",
        help="a national vote read from a database and counted end to end",
    )
    parser.add_argument(
        "--projects",
        type=int,
        default=DB_PROJECTS,
        help=f"with --from-db: projects on the ballot (default {DB_PROJECTS})",
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help="with --from-db: an empty database to fill (default: a temporary SQLite file)",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"seed of the vote (default {DEFAULT_SEED})"
    )
    args = parser.parse_args(argv)
    if args.ballots is not None and any(count < 1 for count in args.ballots):
        parser.error("--ballots must be at least 1")
    if args.database is not None and not args.from_db:
        parser.error("--database goes with --from-db")
    if args.from_db:
        if args.ballots is not None and len(args.ballots) > 1:
            parser.error("--from-db takes one number of ballots")
        count = args.ballots[0] if args.ballots else DB_DEFAULT_BALLOTS
        if args.projects < 1:
            parser.error("--projects must be at least 1")
        run = measure_from_db(count, args.seed, args.database, args.projects)
        print(report_from_db(run), flush=True)
        print(summary_from_db(run), flush=True)
        if not (run.greedy.same_winners and run.mes.same_winners):
            raise SystemExit(1)
        return
    args.ballots = args.ballots or list(DEFAULT_BALLOTS)
    runs = []
    for count in sorted(args.ballots):
        runs.append(measure(count, args.seed))
    print(report(runs), flush=True)
    print(summary(runs), flush=True)
    if not all(run.same_winners for run in runs):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
