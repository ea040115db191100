"""The winners of pbbot's rules against those of pabutools, the reference implementation of
pabulib.org and equalshares.net: the same projects in the same order, on hundreds of small random
elections, on city-sized ones written to `.pb` files and on genuine pabulib files.

The order is compared too because both sides give it the same meaning: the order of selection.
pabutools' allocations are lists its rules append to, and its completion appends greedy's choices
after those of Equal Shares, as pbbot does.

pbbot never funds a project nobody voted for, where pabutools' greedy rule would spend what is
left on one; so pabutools only ever sees the projects with at least one vote. Ties are broken by
project id in string order on both sides, which is pabutools' `lexico_tie_breaking`; it is passed
explicitly so that these tests state the rule instead of relying on a default.
"""

import random
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

pytest.importorskip("pabutools")

from pabutools.election import (
    ApprovalBallot,
    ApprovalProfile,
    Cost_Sat,
    Instance,
    parse_pabulib,
)
from pabutools.election import Project as PabutoolsProject
from pabutools.rules import (
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)
from pabutools.tiebreaking import TieBreakingRule, lexico_tie_breaking

from budget import results
from budget.pabulib import read_pabulib, write_pabulib
from budget.results import Election, GroupedElection, count_votes, equal_shares, greedy

pytestmark = pytest.mark.slow

PABULIB_FILES = Path(__file__).resolve().parent.parent / "data" / "pabulib"

RANDOM_ELECTIONS = 600


# pabutools' side ------------------------------------------------------------------------------


def pabutools_greedy(
    instance: Any, profile: Any, tie_breaking: TieBreakingRule = lexico_tie_breaking
) -> list[str]:
    outcome = greedy_utilitarian_welfare(
        instance, profile, sat_class=Cost_Sat, tie_breaking=tie_breaking
    )
    return [project.name for project in outcome]


def pabutools_equal_shares(
    instance: Any,
    profile: Any,
    tie_breaking: TieBreakingRule = lexico_tie_breaking,
    *,
    iterated: bool = True,
) -> list[str]:
    """Equal Shares completed as equalshares.net does: shares raised by 1 while the outcome stays
    within the budget, then greedy; `iterated=False` keeps the first run, to tell whether raising
    the shares changed anything."""
    equal_shares_params: dict[str, Any] = {"sat_class": Cost_Sat, "tie_breaking": tie_breaking}
    if iterated:
        equal_shares_params["voter_budget_increment"] = 1
    outcome = completion_by_rule_combination(
        instance,
        profile,
        [method_of_equal_shares, greedy_utilitarian_welfare],
        [equal_shares_params, {"sat_class": Cost_Sat, "tie_breaking": tie_breaking}],
    )
    return [project.name for project in outcome]


def reverse_lexico_tie_breaking(instance: Any) -> TieBreakingRule:
    """Ties to the largest id: if the winners change with it, a tie decided them."""
    rank = {name: place for place, name in enumerate(sorted(p.name for p in instance))}
    return TieBreakingRule(lambda _instance, _profile, project: -rank[project.name])


# Ties to the smallest id read as a number, where pbbot puts "10" before "9": if the winners
# change with it, the string order decided them.
numeric_tie_breaking = TieBreakingRule(lambda _instance, _profile, project: int(project.name))


def to_pabutools(election: Election) -> tuple[Any, Any]:
    """The election as pabutools' instance and profile, with only the projects somebody voted
    for (see the module docstring)."""
    votes = count_votes(election)
    projects = {p.id: PabutoolsProject(p.id, p.cost) for p in election.projects if votes[p.id] > 0}
    instance = Instance(projects.values(), budget_limit=election.budget)
    ballots = [ApprovalBallot(projects[id] for id in ballot) for ballot in election.ballots]
    return instance, ApprovalProfile(ballots, instance=instance)


def voted_only(instance: Any, profile: Any) -> Any:
    """The instance pabutools' reader gave, less the projects nobody voted for."""
    voted = {project for ballot in profile for project in ballot}
    return Instance(
        (project for project in instance if project in voted), budget_limit=instance.budget_limit
    )


def assert_same_election(election: Election, instance: Any, profile: Any) -> None:
    """Both readers understood the file alike: same projects, costs, budget and ballots.
    `instance` is the one pabutools' reader gave, with all the projects."""
    assert {p.name: p.cost for p in instance} == {p.id: p.cost for p in election.projects}
    assert instance.budget_limit == election.budget
    theirs = Counter(frozenset(p.name for p in ballot) for ballot in profile)
    assert theirs == Counter(election.ballots)


def describe(election: Election) -> str:
    """The election as the Python that rebuilds it, to replay a failure by hand."""
    costs = {p.id: p.cost for p in election.projects}
    ballots = [sorted(ballot) for ballot in election.ballots]
    return f"Election.of({costs!r}, {election.budget}, {ballots!r})"


# Small random elections -----------------------------------------------------------------------


def random_election(seed: int) -> Election:
    """2 to 10 projects and up to about 40 voters. Every other election is prone to ties, with
    costs of 10, 20 or 30 and a few groups of the same size casting identical ballots; in the
    others voters approve independently, or belong to factions of unequal sizes. Ids are numbers
    (so that "10" meets "9") or letters; some voters cast an empty ballot or approve everything;
    the budget is at times below the cheapest project, at times above the total."""
    rng = random.Random(seed)
    count = rng.randint(2, 10)
    if rng.random() < 0.6:
        ids = [str(number) for number in rng.sample(range(1, 21), count)]
    else:
        ids = rng.sample("abcdefghij", count)
    tie_prone = seed % 2 == 0
    if tie_prone:
        costs = {id: rng.choice((10, 20, 30)) for id in ids}
        size = rng.randint(1, 10)
        kinds = [rng.sample(ids, rng.randint(1, count)) for _ in range(rng.randint(1, 4))]
        ballots = [kind for kind in kinds for _ in range(size)]
    elif rng.random() < 0.5:
        costs = {id: rng.randint(1, 60) for id in ids}
        approval = rng.uniform(0.1, 0.9)
        ballots = [[id for id in ids if rng.random() < approval] for _ in range(rng.randint(1, 40))]
    else:
        # Factions of unequal sizes, each mostly for its own projects: where Equal Shares and
        # greedy part ways.
        costs = {id: rng.randint(1, 60) for id in ids}
        ballots = []
        factions = rng.randint(2, 3)
        for faction in range(factions):
            favourites = set(ids[faction::factions])
            for _ in range(rng.randint(1, 15)):
                ballots.append(
                    [id for id in ids if rng.random() < (0.9 if id in favourites else 0.05)]
                )
    ballots += [[]] * rng.choice((0, 0, 1, 3))
    ballots += [list(ids)] * rng.choice((0, 0, 1, 2))
    rng.shuffle(ballots)
    cheapest, total = min(costs.values()), sum(costs.values())
    draw = rng.random()
    if draw < 0.1:
        budget = rng.randint(0, cheapest - 1)
    elif draw < 0.2:
        budget = total + rng.randint(0, 50)
    else:
        budget = rng.randint(cheapest, total)
    return Election.of(costs, budget, ballots)


def test_the_random_elections_reach_the_edges() -> None:
    seen: Counter[str] = Counter()
    for seed in range(RANDOM_ELECTIONS):
        election = random_election(seed)
        costs = [p.cost for p in election.projects]
        everything = frozenset(p.id for p in election.projects)
        id_lengths = {len(id) for id in everything if id.isdigit()}
        edges = {
            "budget below the cheapest": election.budget < min(costs),
            "budget above the total": election.budget > sum(costs),
            "an empty ballot": frozenset() in election.ballots,
            "a ballot with every project": everything in election.ballots,
            "ids of one and two digits": id_lengths == {1, 2},
        }
        seen.update(edge for edge, reached in edges.items() if reached)
    assert all(seen[edge] >= RANDOM_ELECTIONS // 20 for edge in edges), seen


def assert_same_winners(
    rule: str, seed: int, election: Election, ours: Iterable[str], theirs: list[str]
) -> None:
    assert list(ours) == theirs, (
        f"{rule}, seed {seed}: pbbot funds {list(ours)}, pabutools {theirs}\n{describe(election)}"
    )


def test_greedy_funds_what_pabutools_funds_on_random_elections() -> None:
    seen: Counter[str] = Counter()
    for seed in range(RANDOM_ELECTIONS):
        election = random_election(seed)
        instance, profile = to_pabutools(election)
        theirs = pabutools_greedy(instance, profile)
        assert_same_winners("greedy", seed, election, greedy(election).winners, theirs)

        reverse = reverse_lexico_tie_breaking(instance)
        seen["a tie decided"] += pabutools_greedy(instance, profile, reverse) != theirs
        if all(p.id.isdigit() for p in election.projects):
            numeric = pabutools_greedy(instance, profile, numeric_tie_breaking)
            seen["string order decided"] += numeric != theirs
        seen["a project nobody voted for"] += len(instance) < len(election.projects)

    # Otherwise the sweep could pass while testing none of what makes the rules hard to match.
    assert seen["a tie decided"] >= RANDOM_ELECTIONS // 3, seen
    assert seen["string order decided"] >= RANDOM_ELECTIONS // 8, seen
    assert seen["a project nobody voted for"] >= RANDOM_ELECTIONS // 10, seen


def grouped_as_read(election: Election, seed: int) -> GroupedElection:
    """The election as the database hands it over at national scale: each distinct ballot
    once with how many cast it, in no particular order, and its projects in any order."""
    rng = random.Random(seed)
    groups = [
        (sorted(ballot, reverse=rng.random() < 0.5), n)
        for ballot, n in Counter(election.ballots).items()
    ]
    rng.shuffle(groups)
    return GroupedElection.of(election.projects, election.budget, groups)


def test_both_rules_on_grouped_ballots_fund_what_pabutools_funds_on_random_elections() -> None:
    """The fast path the results take (ballots grouped by the database) against pabutools,
    on the same random elections, ties, empty ballots and budget edges included."""
    for seed in range(RANDOM_ELECTIONS):
        election = random_election(seed)
        grouped = grouped_as_read(election, seed)
        instance, profile = to_pabutools(election)
        assert_same_winners(
            "greedy, grouped",
            seed,
            election,
            greedy(grouped).winners,
            pabutools_greedy(instance, profile),
        )
        assert_same_winners(
            "equal shares, grouped",
            seed,
            election,
            equal_shares(grouped, voter_budget_increment=1).winners,
            pabutools_equal_shares(instance, profile),
        )


@contextmanager
def runs_made_exactly() -> Iterator[list[int]]:
    """Counts, in the list it gives, the runs of Equal Shares that floats left undecided."""
    made: list[int] = []
    exactly = results._EqualShares._run_exactly

    def counted(shares: Any, share: int, denominator: int) -> list[int]:
        made.append(1)
        return exactly(shares, share, denominator)

    with mock.patch.object(results._EqualShares, "_run_exactly", counted):
        yield made


def test_equal_shares_funds_what_pabutools_funds_on_random_elections() -> None:
    seen: Counter[str] = Counter()
    for seed in range(RANDOM_ELECTIONS):
        election = random_election(seed)
        instance, profile = to_pabutools(election)
        theirs = pabutools_equal_shares(instance, profile)
        with runs_made_exactly() as made:
            ours = equal_shares(election, voter_budget_increment=1).winners
        assert_same_winners("equal shares", seed, election, ours, theirs)
        # Ties are common in these small elections: both paths must be the reference's.
        seen["decided in floats"] += not made
        seen["a run made exactly"] += bool(made)

        reverse = reverse_lexico_tie_breaking(instance)
        seen["a tie decided"] += pabutools_equal_shares(instance, profile, reverse) != theirs
        if all(p.id.isdigit() for p in election.projects):
            numeric = pabutools_equal_shares(instance, profile, numeric_tie_breaking)
            seen["string order decided"] += numeric != theirs
        # Different winners without the raised shares: the increment loop ran more than once.
        seen["raised shares"] += pabutools_equal_shares(instance, profile, iterated=False) != theirs
        seen["other winners than greedy"] += set(ours) != set(greedy(election).winners)

    assert seen["a tie decided"] >= RANDOM_ELECTIONS // 3, seen
    assert seen["string order decided"] >= RANDOM_ELECTIONS // 8, seen
    assert seen["raised shares"] >= RANDOM_ELECTIONS // 6, seen
    assert seen["other winners than greedy"] >= RANDOM_ELECTIONS // 8, seen
    assert seen["decided in floats"] >= RANDOM_ELECTIONS // 4, seen
    assert seen["a run made exactly"] >= RANDOM_ELECTIONS // 4, seen


def national_like(seed: int) -> GroupedElection:
    """Up to 80 projects and 20 000 voters of skewed popularity, many of them with the same
    ballot: too large for pabutools in a test, the size where Equal Shares runs in floats."""
    rng = random.Random(seed)
    count = rng.randint(10, 80)
    costs = {f"{n:02}": rng.randrange(10, 160) * 500 for n in range(count)}
    ids = list(costs)
    popularity = [1 / rank ** rng.uniform(0.5, 1.2) for rank in range(1, count + 1)]
    rng.shuffle(popularity)
    voters = rng.randint(2_000, 20_000)
    ballots = Counter(
        frozenset(rng.choices(ids, popularity, k=1 + int(rng.expovariate(1 / 2))))
        for _ in range(voters)
    )
    budget = sum(costs.values()) * rng.randint(20, 60) // 100
    return GroupedElection.of(costs, budget, ballots.items())


def test_equal_shares_in_floats_funds_what_exact_arithmetic_funds_on_national_like_votes() -> None:
    """Large votes are counted in floats with a margin, and exactly only where a choice is too
    close to call: the winners are those of exact arithmetic throughout."""
    decided = 0
    for seed in range(12):
        election = national_like(seed)
        with runs_made_exactly() as made:
            fast = equal_shares(election, voter_budget_increment=100).winners
        decided += not made
        with mock.patch.object(
            results._EqualShares, "_run_in_floats", side_effect=results._TooClose
        ):
            exact = equal_shares(election, voter_budget_increment=100).winners
        assert fast == exact, f"seed {seed}"
    assert decided >= 9


# City-sized elections, through .pb files ------------------------------------------------------


@dataclass(frozen=True)
class City:
    name: str
    seed: int
    projects: int
    voters: int
    budget: int
    cheapest: int
    dearest: int


CITIES = [
    # name, seed, projects, voters, budget, cheapest and dearest project in euros
    City("namur-like", 2022, 21, 7_346, 200_000, 4_000, 60_000),  # Namur's 2022 edition
    City("district", 1, 20, 400, 100_000, 1_000, 30_000),
    City("town", 2, 30, 1_500, 300_000, 2_000, 80_000),
    City("city", 5, 40, 2_000, 150_000, 1_000, 40_000),
    City("big city", 4, 35, 4_000, 300_000, 2_000, 90_000),
]


def city_election(city: City) -> Election:
    """Costs in euros; a few projects are far more popular than the others (how much varies by
    city), most voters choose one to three projects and a few many more, always within an
    envelope the size of the budget, as pbbot's ballots are."""
    rng = random.Random(city.seed)
    costs = {
        str(number): rng.randint(city.cheapest, city.dearest)
        for number in range(1, 1 + city.projects)
    }
    ids = list(costs)
    skew = rng.uniform(0.5, 1.5)
    popularity = [1 / rank**skew for rank in range(1, 1 + city.projects)]
    rng.shuffle(popularity)
    ballots = []
    for _ in range(city.voters):
        wanted = min(city.projects, 1 + int(rng.expovariate(1 / 3)))
        envelope_left, ballot = city.budget, set()
        for id in rng.choices(ids, weights=popularity, k=wanted):
            if id not in ballot and costs[id] <= envelope_left:
                ballot.add(id)
                envelope_left -= costs[id]
        ballots.append(ballot)
    return Election.of(costs, city.budget, ballots)


@pytest.mark.parametrize("city", CITIES, ids=lambda city: city.name)
def test_both_rules_fund_what_pabutools_funds_on_city_sized_elections_read_from_pb_files(
    city: City, tmp_path: Path
) -> None:
    election = city_election(city)
    path = tmp_path / f"{city.name}.pb"
    write_pabulib(election, path, {"description": f"{city.name}, seed {city.seed}"})
    assert read_pabulib(path) == election
    parsed, profile = parse_pabulib(str(path))
    assert_same_election(election, parsed, profile)
    instance = voted_only(parsed, profile)
    # pabutools' Equal Shares takes seconds per thousand voters; counting each distinct ballot
    # once with its multiplicity is its own faster form of the same exact computation.
    profile = profile.as_multiprofile()
    assert profile.num_ballots() == len(election.ballots)

    ours_greedy = greedy(election).winners
    assert list(ours_greedy) == pabutools_greedy(instance, profile), city
    ours = equal_shares(election, voter_budget_increment=1).winners
    theirs = pabutools_equal_shares(instance, profile)
    assert list(ours) == theirs, city
    # Elections where the two rules agree, or where Equal Shares is done after one run, would
    # test little of it.
    assert set(ours) != set(ours_greedy)
    assert pabutools_equal_shares(instance, profile, iterated=False) != theirs


# Genuine pabulib files ------------------------------------------------------------------------

GENUINE_FILES = ["Netherlands_Assen_2024.pb", "Netherlands_Assen_2025.pb"]


@pytest.mark.parametrize("name", GENUINE_FILES)
def test_both_rules_fund_what_pabutools_funds_on_genuine_pabulib_files(name: str) -> None:
    path = PABULIB_FILES / name
    election = read_pabulib(path)
    parsed, profile = parse_pabulib(str(path))
    assert_same_election(election, parsed, profile)
    instance = voted_only(parsed, profile)

    assert list(greedy(election).winners) == pabutools_greedy(instance, profile)
    ours = equal_shares(election, voter_budget_increment=1).winners
    assert list(ours) == pabutools_equal_shares(instance, profile)


@pytest.mark.parametrize("name", GENUINE_FILES)
def test_equal_shares_picks_the_projects_assen_funded(name: str) -> None:
    # Assen chose its winners with Equal Shares, shares raised by 1 € ("equalshares/add1"). In
    # 2024 it funded no more: the greedy completion then adds RuBox (12 000 €), which fits in the
    # 23 300 € left but was not funded. So what Assen funded is what Equal Shares chose first.
    path = PABULIB_FILES / name
    parsed, _ = parse_pabulib(str(path))
    funded = {p.name for p in parsed if parsed.project_meta[p]["selected"] == "1"}
    winners = equal_shares(read_pabulib(path), voter_budget_increment=1).winners
    assert set(winners[: len(funded)]) == funded
