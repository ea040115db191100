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

The last line of output is one JSON object with the figures of the largest number of ballots.
"""

import argparse
import json
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


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.results", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument(
        "--ballots",
        type=int,
        nargs="+",
        default=list(DEFAULT_BALLOTS),
        metavar="N",
        help="numbers of ballots, one run each (default 10000 100000)",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"seed of the vote (default {DEFAULT_SEED})"
    )
    args = parser.parse_args(argv)
    if any(count < 1 for count in args.ballots):
        parser.error("--ballots must be at least 1")
    runs = []
    for count in sorted(args.ballots):
        runs.append(measure(count, args.seed))
    print(report(runs), flush=True)
    print(summary(runs), flush=True)
    if not all(run.same_winners for run in runs):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
