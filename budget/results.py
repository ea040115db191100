"""Counting the envelope ballots and choosing the funded projects, greedily or by Equal Shares.

Both rules give, to the project, the winners pabutools gives (the reference implementation of
pabulib.org and equalshares.net), with one deliberate difference: a project nobody voted for is
never funded, where pabutools' greedy rule would fund it with money nobody asked to spend on it.

Ties are broken by project id in plain string order (code points, so "10" comes before "9"), the
order of pabutools' default `lexico_tie_breaking`. It is arbitrary but public, cannot be steered
after the vote by anyone, and lets anybody recompute the results with pabutools unchanged; an
edition that wants numbers to sort as numbers gives ids of equal length ("07", "10").

Speed comes from three things. Voters with identical ballots are indistinguishable, so ballots
are counted once per distinct ballot, with the number of citizens who cast it: a national vote
(a million ballots, a few hundred thousand distinct ones) is read from the database into a
`CountedElection`, three numpy arrays and no Python object per ballot, and every rule counts
on that form (an `Election` or a `GroupedElection` is put in it first). Equal Shares keeps each
distinct ballot's budget in a numpy array of floats, and trusts a float comparison only with a
margin far above the floats' rounding: a choice closer than that (a tie, a project its
supporters can only just afford) sends the run to exact arithmetic, where budgets are whole
numbers over one common denominator and the comparisons that decide a winner are exact
cross-multiplications of integers, as pabutools' own rationals are exact. So the winners are
always those of exact arithmetic; floats only make the usual case fast.
"""

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from math import gcd

import numpy

from budget.edition import ResultsRule

Ballot = frozenset[str]
"""The projects a citizen put in their envelope."""


@dataclass(frozen=True)
class Project:
    """A project on the ballot; `cost` is a whole number in the unit of the budget (cents or
    euros, as long as both agree)."""

    id: str
    cost: int

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ValueError(f"a project id must be a non-empty string, not {self.id!r}")
        if not isinstance(self.cost, int) or isinstance(self.cost, bool) or self.cost <= 0:
            raise ValueError(f"project {self.id!r}: the cost must be a positive whole number")


@dataclass(frozen=True)
class Election:
    """The projects on the ballot, the total budget and the cast ballots.

    Build it with `Election.of` from ballots as citizens cast them; the constructor itself
    refuses anything but frozensets of known ids, so that an election can be trusted as given.
    """

    projects: tuple[Project, ...]
    budget: int
    ballots: tuple[Ballot, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.budget, int) or isinstance(self.budget, bool) or self.budget < 0:
            raise ValueError(
                f"the budget must be a whole number, zero or more, not {self.budget!r}"
            )
        known: set[str] = set()
        for project in self.projects:
            if project.id in known:
                raise ValueError(f"project {project.id!r} is listed twice")
            known.add(project.id)
        if not all(isinstance(ballot, frozenset) for ballot in self.ballots):
            number = next(
                n for n, b in enumerate(self.ballots, start=1) if not isinstance(b, frozenset)
            )
            raise TypeError(f"ballot {number} is not a frozenset; build with Election.of")
        # Checked once per distinct ballot: most citizens cast one that others cast too.
        if not all(ballot <= known for ballot in set(self.ballots)):
            number, ballot = next(
                (n, b) for n, b in enumerate(self.ballots, start=1) if not b <= known
            )
            unknown = ", ".join(repr(name) for name in sorted(ballot - known))
            raise ValueError(f"ballot {number} names unknown project(s) {unknown}")

    @classmethod
    def of(
        cls,
        projects: Iterable[Project] | Mapping[str, int],
        budget: int,
        ballots: Iterable[Iterable[str]],
    ) -> "Election":
        """`projects` as Project objects or as {id: cost}; a project named twice in a ballot
        counts once."""
        if isinstance(projects, Mapping):
            listed = tuple(Project(id, cost) for id, cost in projects.items())
        else:
            listed = tuple(projects)
        cast = []
        for number, ballot in enumerate(ballots, start=1):
            if isinstance(ballot, str):
                # A string is iterable too, and would quietly become a ballot of its letters.
                raise ValueError(f"ballot {number} is a string, not a collection of ids")
            cast.append(frozenset(ballot))
        return cls(listed, budget, tuple(cast))

    def grouped(self) -> "GroupedElection":
        """The same election with each distinct ballot once, and how many cast it."""
        counted = Counter(self.ballots)
        return GroupedElection(self.projects, self.budget, tuple(counted.items()))

    def counted(self) -> "CountedElection":
        return _counted(self.projects, self.budget, Counter(self.ballots).items())


@dataclass(frozen=True)
class GroupedElection:
    """An election as counted: each distinct ballot once with the number of citizens who cast
    it (at least one). The rules give the same results as on the ballots one by one.

    Build it with `GroupedElection.of`, which merges a ballot given twice."""

    projects: tuple[Project, ...]
    budget: int
    groups: tuple[tuple[Ballot, int], ...]

    def __post_init__(self) -> None:
        # The same checks as an Election's, once per distinct ballot; a national vote has a
        # few hundred thousand, so the loops stay in C (map, all, set).
        ballots = tuple(ballot for ballot, _ in self.groups)
        Election(self.projects, self.budget, ballots)
        if not all(map(_is_count, (times for _, times in self.groups))):
            times = next(t for _, t in self.groups if not _is_count(t))
            raise ValueError(f"a ballot is cast a whole number of times, not {times!r}")
        if len(set(ballots)) != len(ballots):
            raise ValueError("a ballot is listed twice; build with GroupedElection.of")

    @classmethod
    def of(
        cls,
        projects: Iterable[Project] | Mapping[str, int],
        budget: int,
        groups: Iterable[tuple[Iterable[str], int]],
    ) -> "GroupedElection":
        """`groups` as (ballot, times cast); the same ballot given twice is counted once with
        both numbers added."""
        if isinstance(projects, Mapping):
            listed = tuple(Project(id, cost) for id, cost in projects.items())
        else:
            listed = tuple(projects)
        counted: dict[Ballot, int] = {}
        for number, (ballot, times) in enumerate(groups, start=1):
            if isinstance(ballot, str):
                raise ValueError(f"ballot {number} is a string, not a collection of ids")
            if not _is_count(times):
                raise ValueError(f"a ballot is cast a whole number of times, not {times!r}")
            key = frozenset(ballot)
            counted[key] = counted.get(key, 0) + times
        return cls(listed, budget, tuple(counted.items()))

    @property
    def voters(self) -> int:
        return sum(times for _, times in self.groups)

    def grouped(self) -> "GroupedElection":
        return self

    def counted(self) -> "CountedElection":
        """The same election in arrays, as the rules count it."""
        return _counted(self.projects, self.budget, self.groups)


@dataclass(frozen=True, eq=False)
class CountedElection:
    """An election as the rules count it: each distinct ballot once with the number of citizens
    who cast it, in three numpy arrays rather than a Python object per ballot, which is how a
    national vote (a million ballots) is read from the database. `members` holds the projects of
    every ballot one ballot after the other, each as its position in `projects`; `lengths` how
    many projects each ballot holds (0 for an empty ballot); `counts` how many cast each.

    Build it with `CountedElection.of`, which checks the arrays and merges a project given twice
    in one ballot; the constructor trusts them. A ballot may appear more than once (the rules
    count it the same), which a reading grouped by a text column can give."""

    projects: tuple[Project, ...]
    budget: int
    members: "numpy.ndarray"
    lengths: "numpy.ndarray"
    counts: "numpy.ndarray"

    @classmethod
    def of(
        cls,
        projects: Iterable[Project] | Mapping[str, int],
        budget: int,
        members: "numpy.ndarray",
        lengths: "numpy.ndarray",
        counts: "numpy.ndarray",
    ) -> "CountedElection":
        if isinstance(projects, Mapping):
            listed = tuple(Project(id, cost) for id, cost in projects.items())
        else:
            listed = tuple(projects)
        # The projects and the budget checked as an Election checks them.
        Election(listed, budget, ())
        members, lengths, counts = (
            numpy.asarray(members),
            numpy.asarray(lengths),
            numpy.asarray(counts),
        )
        for name, array in (("members", members), ("lengths", lengths), ("counts", counts)):
            if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
                raise ValueError(f"{name} must be a one-dimensional array of whole numbers")
        if len(lengths) != len(counts):
            raise ValueError("lengths and counts must give one number per ballot")
        if (lengths.size and lengths.min() < 0) or int(lengths.sum()) != len(members):
            raise ValueError("the lengths of the ballots must add up to the members given")
        if members.size and (members.min() < 0 or members.max() >= len(listed)):
            raise ValueError("a ballot names a project that is not on the ballot")
        if counts.size and counts.min() < 1:
            raise ValueError("a ballot is cast a whole number of times, at least once")
        # As signed integers (unsigned ones would wrap below), an empty array of any type too.
        members, lengths, counts = (
            array.astype(numpy.int64, copy=False) for array in (members, lengths, counts)
        )
        ballot = numpy.repeat(numpy.arange(len(lengths), dtype=numpy.int64), lengths)
        # Projects in increasing order within each ballot cannot be there twice: a check in
        # one pass, where sorting would take longer than counting.
        increasing = numpy.diff(members) > 0
        if not numpy.all(increasing | (ballot[1:] != ballot[:-1])):
            # Each (ballot, project) once, ballots kept in their order.
            pairs = numpy.unique(ballot * len(listed) + members)
            members = pairs % len(listed)
            lengths = numpy.bincount(pairs // len(listed), minlength=len(lengths))
        return cls(
            listed,
            budget,
            members.astype(numpy.intp, copy=False),
            lengths.astype(numpy.intp, copy=False),
            counts.astype(numpy.int64, copy=False),
        )

    @property
    def voters(self) -> int:
        return int(self.counts.sum())

    @property
    def distinct(self) -> int:
        """How many ballots are held (each distinct ballot once, when read grouped)."""
        return len(self.counts)

    def counted(self) -> "CountedElection":
        return self


AnyElection = Election | GroupedElection | CountedElection


def _counted(
    projects: tuple[Project, ...], budget: int, groups: Collection[tuple[Ballot, int]]
) -> CountedElection:
    """Checked ballots (known ids, each once) with how many cast each, in arrays."""
    position = {project.id: number for number, project in enumerate(projects)}
    members = numpy.fromiter(
        (position[id] for ballot, _ in groups for id in ballot), dtype=numpy.intp
    )
    lengths = numpy.fromiter(
        (len(ballot) for ballot, _ in groups), dtype=numpy.intp, count=len(groups)
    )
    counts = numpy.fromiter((times for _, times in groups), dtype=numpy.int64, count=len(groups))
    return CountedElection(projects, budget, members, lengths, counts)


def _is_count(times: object) -> bool:
    return type(times) is int and times >= 1


@dataclass(frozen=True)
class Results:
    """`winners` in the order the rule selected them; `votes` for every project, in the order of
    the election, those nobody chose included."""

    rule: ResultsRule
    winners: tuple[str, ...]
    votes: Mapping[str, int]
    budget_used: int
    # Each voted-for project that was not funded, with the money left when the rule came to
    # it and found it did not fit: what the results say of it in words.
    left_when_skipped: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Standing:
    """One line of the ranking: a project, its votes and whether the rule funded it."""

    project: Project
    votes: int
    winner: bool
    # Not funded although voted for: the money that was left when it did not fit.
    left: int | None = None


def ranking(election: AnyElection, results: Results) -> list[Standing]:
    """The projects most voted first, ties in the order the rules break them (project ids as
    strings): the one order in which the results are printed, drawn and announced."""
    winners = set(results.winners)
    ordered = sorted(election.projects, key=lambda p: (-results.votes.get(p.id, 0), p.id))
    return [
        Standing(
            p, results.votes.get(p.id, 0), p.id in winners, results.left_when_skipped.get(p.id)
        )
        for p in ordered
    ]


def count_votes(election: AnyElection) -> dict[str, int]:
    """For each project, the number of ballots that hold it."""
    return _tally(election.counted())


def compute_results(
    election: AnyElection, rule: ResultsRule | str, *, voter_budget_increment: int = 1
) -> Results:
    """Apply the rule named "greedy" or "mes"; `voter_budget_increment` only concerns "mes"."""
    try:
        chosen = ResultsRule(rule)
    except ValueError:
        names = " or ".join(repr(r.value) for r in ResultsRule)
        raise ValueError(f"unknown results rule {rule!r}; use {names}") from None
    if chosen is ResultsRule.GREEDY:
        return greedy(election)
    return equal_shares(election, voter_budget_increment=voter_budget_increment)


def greedy(election: AnyElection) -> Results:
    """Projects by decreasing number of votes, each funded if it still fits in what is left;
    one that does not fit is skipped and the following ones are still tried.

    This is pabutools' `greedy_utilitarian_welfare` with cost satisfaction (votes × cost per
    unit of cost is the number of votes), less the projects with no vote."""
    votes = _tally(election.counted())
    skipped: dict[str, int] = {}
    winners = _fill_greedily(election, votes, [], skipped)
    return _results(ResultsRule.GREEDY, election, votes, winners, skipped)


def equal_shares(election: AnyElection, *, voter_budget_increment: int = 1) -> Results:
    """The Method of Equal Shares with cost utilities, completed as equalshares.net does.

    Each voter gets an equal share of the budget; a project is bought by its supporters, each
    paying the same amount or all they have left, and the project asking the least per unit of
    its cost is bought first. As that usually leaves money unspent, the share of each voter is
    raised by `voter_budget_increment` (in the unit of the costs) and the method run again, for
    as long as the outcome stays within the budget and some voted-for project could still be
    added; the last outcome within the budget is kept and what is left is filled greedily.

    This is pabutools' `completion_by_rule_combination` of `method_of_equal_shares(...,
    sat_class=Cost_Sat, voter_budget_increment=1)` then `greedy_utilitarian_welfare(...,
    sat_class=Cost_Sat)`, less the projects with no vote."""
    if voter_budget_increment <= 0:
        raise ValueError("the voter budget increment must be positive")
    counted = election.counted()
    votes = _tally(counted)
    shares = _EqualShares(counted, votes)
    chosen = shares.iterated(voter_budget_increment)
    skipped: dict[str, int] = {}
    winners = _fill_greedily(election, votes, chosen, skipped)
    return _results(ResultsRule.EQUAL_SHARES, election, votes, winners, skipped)


def _tally(election: CountedElection) -> dict[str, int]:
    """Votes per project, in the order of the election."""
    return dict(zip((p.id for p in election.projects), _votes(election).tolist(), strict=True))


def _votes(election: CountedElection) -> "numpy.ndarray":
    """Votes per project position, as whole numbers."""
    cast = numpy.repeat(election.counts, election.lengths)
    # Summed in floats by bincount (in C), exact below 2**53 voters.
    votes = numpy.bincount(election.members, weights=cast, minlength=len(election.projects))
    return votes.astype(numpy.int64)


def _fill_greedily(
    election: AnyElection, votes: Mapping[str, int], chosen: list[str], skipped: dict[str, int]
) -> list[str]:
    """Complete `chosen` with the other voted-for projects, most voted first, that still fit;
    `skipped` gets those that did not, with what was left then."""
    taken = set(chosen)
    left = election.budget - sum(p.cost for p in election.projects if p.id in taken)
    candidates = [p for p in election.projects if p.id not in taken and votes[p.id] > 0]
    candidates.sort(key=lambda p: (-votes[p.id], p.id))
    winners = list(chosen)
    for project in candidates:
        if project.cost <= left:
            winners.append(project.id)
            left -= project.cost
        else:
            skipped[project.id] = left
    return winners


def _results(
    rule: ResultsRule,
    election: AnyElection,
    votes: dict[str, int],
    winners: list[str],
    skipped: dict[str, int],
) -> Results:
    cost = {p.id: p.cost for p in election.projects}
    return Results(rule, tuple(winners), votes, sum(cost[id] for id in winners), skipped)


class _TooClose(Exception):
    """A choice of Equal Shares that floats cannot make safely: it is made exactly."""


class _EqualShares:
    """Runs of Equal Shares on one election, for successive shares per voter.

    Projects with at least one vote are numbered 0..m-1 and kept in the order of the election.
    A run is made in floats, each distinct ballot's budget in a numpy array, unless a choice is
    too close to call in floats; then it is made again exactly. There, voters are followed by
    "class": the voters of a class hold the same budget. All start in class 0; when a project
    is selected, the voters of each class supporting it move to a new class, or to the broke
    one (`BROKE`) when they gave all they had, where most of them end. Each distinct ballot has
    its class in an array updated in place (numpy), and a project's supporters per class are
    counted only when a run looks at the project, over the distinct ballots holding it."""

    BROKE = 1

    def __init__(self, election: CountedElection, votes: Mapping[str, int]):
        supported = [n for n, p in enumerate(election.projects) if votes[p.id] > 0]
        self.ids = [election.projects[n].id for n in supported]
        self.costs = [election.projects[n].cost for n in supported]
        self.votes = [votes[id] for id in self.ids]
        self.budget = election.budget
        self.voters = election.voters
        self.distinct = election.distinct
        # For each project, the distinct ballots (numbered) holding it, and what each weighs:
        # the ballots' projects turned around by one stable sort rather than a loop.
        ballot = numpy.repeat(numpy.arange(self.distinct, dtype=numpy.intp), election.lengths)
        order = numpy.argsort(election.members, kind="stable")
        per_project = numpy.bincount(election.members, minlength=len(election.projects))
        holding = numpy.split(ballot[order], numpy.cumsum(per_project)[:-1])
        weights = election.counts.astype(numpy.float64)
        self.ballots_of = [holding[n] for n in supported]
        self.weights_of = [weights[numbers] for numbers in self.ballots_of]

    def iterated(self, increment: int) -> list[str]:
        """Raise the share per voter by `increment` until the outcome would overspend or no
        voted-for project fits next to it; return the last outcome within the budget."""
        if self.voters == 0:
            return []
        previous: list[int] = []
        raised = 0
        while True:
            # Each voter starts with budget / voters + raised, i.e. this over `voters`.
            outcome = self.run(self.budget + raised * self.voters, self.voters)
            spent = sum(self.costs[i] for i in outcome)
            if spent > self.budget:
                outcome = previous
                break
            taken = set(outcome)
            exhaustive = all(
                spent + cost > self.budget for i, cost in enumerate(self.costs) if i not in taken
            )
            if exhaustive:
                break
            previous = outcome
            raised += increment
        return [self.ids[i] for i in outcome]

    def run(self, share: int, denominator: int) -> list[int]:
        """One run of Equal Shares where every voter starts with share / denominator; return the
        selected projects in order: in floats when every choice is clear, otherwise exactly."""
        try:
            return self._run_in_floats(share / denominator)
        except _TooClose:
            return self._run_exactly(share, denominator)

    # Float decisions are trusted only with this margin, relative to the values compared: each
    # voter's budget goes through one subtraction per selected project (a few hundred at most)
    # and numpy's sums of a few million terms lose far less than this, so a choice the floats
    # make with this margin is the choice exact arithmetic makes.
    MARGIN = 1e-9

    def _run_in_floats(self, start: float) -> list[int]:
        """One run in floats, each distinct ballot's budget in a numpy array; `_TooClose` as
        soon as a choice is too close to call in floats (a tie, or a project its supporters
        can only just afford), for the run to be made exactly instead."""
        budgets = numpy.full(self.distinct, start)
        candidates = set(range(len(self.costs)))
        # A lower bound of each project's price per unit of cost (rho): it only grows as
        # budgets shrink, and is at least what an equal split among all supporters asks.
        lower = {i: (1 - self.MARGIN) / self.votes[i] for i in candidates}
        winners: list[int] = []
        while candidates:
            # (rho, its margin, the price each payer pays, project)
            best: tuple[float, float, float, int] | None = None
            looked: list[tuple[float, float]] = []
            for i in sorted(candidates, key=lower.__getitem__):
                if best is not None and lower[i] > best[0] + best[1]:
                    break
                priced = self._price_in_floats(budgets, i)
                if priced is None:
                    candidates.discard(i)  # its supporters can no longer pay for it
                    continue
                rho, margin, price = priced
                lower[i] = rho - margin
                looked.append((rho, margin))
                if best is None or rho < best[0]:
                    best = (rho, margin, price, i)
            if best is None:
                break
            rho, margin, price, chosen = best
            if sum(other - other_margin <= rho + margin for other, other_margin in looked) > 1:
                raise _TooClose  # another project may be as cheap
            holding = self.ballots_of[chosen]
            held = budgets[holding]
            budgets[holding] = numpy.where(held > price, held - price, 0.0)
            candidates.discard(chosen)
            winners.append(chosen)
        return winners

    def _price_in_floats(
        self, budgets: "numpy.ndarray", project: int
    ) -> tuple[float, float, float] | None:
        """(rho, its margin, price per payer) from the budgets in floats; None if the supporters
        clearly cannot pay for the project; `_TooClose` if that is too close to tell."""
        held = budgets[self.ballots_of[project]]
        cost = float(self.costs[project])
        supporters = self.votes[project]
        price = cost / supporters
        if held.min() >= price:
            # Everyone can pay an equal part: the case of every project at first.
            return price / cost, price / cost * self.MARGIN, price
        weights = self.weights_of[project]
        total = float(weights @ held)
        if total < cost * (1 - self.MARGIN):
            return None
        if total <= cost * (1 + self.MARGIN):
            raise _TooClose
        order = numpy.argsort(held)
        held, weights = held[order], weights[order]
        # Supporters from the poorest: those before k give all they have, the others share the
        # rest equally, k being the first who can pay that share.
        paid = held * weights
        gave_before = numpy.cumsum(paid)
        gave_before -= paid
        payers = numpy.cumsum(weights)
        payers -= weights
        numpy.subtract(supporters, payers, out=payers)
        can_pay = cost - gave_before <= held * payers
        if not can_pay.any():
            raise _TooClose
        k = int(numpy.argmax(can_pay))
        price = float((cost - gave_before[k]) / payers[k])
        # What is left to share can be a small difference of large sums: the margin is taken
        # on what was subtracted too.
        margin = (cost + float(gave_before[k])) * self.MARGIN / float(payers[k])
        return price / cost, margin / cost, price

    def _run_exactly(self, share: int, denominator: int) -> list[int]:
        """One run of Equal Shares where every voter starts with share / denominator, in exact
        arithmetic; return the selected projects in order.

        Budgets are numerators over a common denominator, multiplied up when a payment would
        not be a whole number of it; rather than rewriting every budget then, each budget keeps
        the "epoch" it was written in and `factors[epoch]` says by how much to multiply it.
        A project's price per unit of cost ("affordability", rho) is rest / (payers × cost ×
        denominator): `rest` the part of cost × denominator the payers share equally after the
        poorer supporters gave all they had. rho only grows as budgets shrink, so an old rho is
        a lower bound: projects are looked at by increasing old rho and a round stops at the
        first whose old rho is above the best found.

        A national vote has thousands of classes per project: rho is first estimated in floats
        with numpy (each class's budget kept as a float too), and only the projects that could
        be the best within the floats' error are then priced on integers, which decide (so
        floats only narrow the search; the choice is exact)."""
        costs, votes, ids = self.costs, self.votes, self.ids
        # class -> (numerator, epoch); and each class's budget as a float, for the estimates.
        budgets: dict[int, tuple[int, int]] = {0: (share, 0), self.BROKE: (0, 0)}
        estimates = numpy.zeros(64)
        estimates[0] = share / denominator
        factors = [1]
        classes = numpy.zeros(self.distinct, dtype=numpy.intp)
        candidates = set(range(len(costs)))
        lower = {i: 1 / votes[i] for i in candidates}
        winners: list[int] = []

        def exact(i: int) -> tuple[int, int] | None:
            """(rest, payers) on integers; None if the supporters cannot pay for it."""
            held = []  # (budget, supporters) per class
            for voter_class, n in self._support(classes, i).items():
                numerator, epoch = budgets[voter_class]
                held.append((numerator * factors[epoch], n))
            need = costs[i] * denominator
            if sum(budget * n for budget, n in held) < need:
                return None
            held.sort()
            rest, payers = need, votes[i]
            for budget, n in held:
                if rest <= budget * payers:
                    break  # this class, and all richer ones, can pay rest / payers
                rest -= budget * n
                payers -= n
            return rest, payers

        while candidates:
            looked: list[tuple[float, bool, int]] = []  # (estimated rho, unsure, project)
            best_rho = float("inf")
            for i in sorted(candidates, key=lower.__getitem__):
                if lower[i] > best_rho * (1 + 1e-9):
                    break
                estimate = self._estimate(classes, estimates, i)
                if estimate is None:
                    candidates.discard(i)  # its supporters can no longer pay for it
                    continue
                rho, unsure = estimate
                lower[i] = rho
                looked.append((rho, unsure, i))
                if not unsure:
                    # Only a sure estimate may stop the looking: an unsure one could be wrong.
                    best_rho = min(best_rho, rho)
            # Priced on integers: whatever might be the best, given the floats' error.
            best: tuple[int, int, int] | None = None  # (rest, payers, project)
            for rho, unsure, i in looked:
                if not unsure and rho > best_rho * (1 + 1e-8):
                    continue
                priced = exact(i)
                if priced is None:
                    candidates.discard(i)
                    continue
                rest, payers = priced
                lower[i] = rest / (payers * costs[i] * denominator)
                if best is None:
                    best = (rest, payers, i)
                    continue
                # rho_i < rho_best, both over the same denominator: cross-multiplied.
                left = rest * best[1] * costs[best[2]]
                right = best[0] * payers * costs[i]
                if left < right or (left == right and ids[i] < ids[best[2]]):
                    best = (rest, payers, i)
            if best is None:
                if any(i in candidates for _, _, i in looked):
                    continue  # an estimate was unsure and wrong: look again without it
                break
            rest, payers, chosen = best
            common = gcd(rest, payers)
            scale = payers // common
            if scale > 1:
                denominator *= scale
                factors = [factor * scale for factor in factors]
                factors.append(1)
            payment, now = rest // common, len(factors) - 1
            # The chosen project's supporters pay and move to a class of their own.
            moves = numpy.arange(len(budgets), dtype=numpy.intp)
            for voter_class in self._support(classes, chosen):
                if voter_class == self.BROKE:
                    continue
                numerator, epoch = budgets[voter_class]
                left_over = numerator * factors[epoch] - payment
                if left_over > 0:
                    moved = moves[voter_class] = len(budgets)
                    budgets[moved] = (left_over, now)
                    if moved >= len(estimates):
                        estimates = numpy.concatenate([estimates, numpy.zeros(len(estimates))])
                    estimates[moved] = left_over / denominator
                else:
                    moves[voter_class] = self.BROKE
            holding = self.ballots_of[chosen]
            classes[holding] = moves[classes[holding]]
            candidates.discard(chosen)
            winners.append(chosen)
        return winners

    def _estimate(
        self, classes: "numpy.ndarray", estimates: "numpy.ndarray", project: int
    ) -> tuple[float, bool] | None:
        """rho in floats, and whether it is unsure (close to unaffordable, or the subtraction
        that gives it lost too many digits); None if clearly unaffordable."""
        counts = numpy.bincount(classes[self.ballots_of[project]], weights=self.weights_of[project])
        present = numpy.flatnonzero(counts)
        held, budget = counts[present], estimates[present]
        cost = float(self.costs[project])
        total = float(held @ budget)
        if total < cost * (1 - 1e-9):
            return None
        unsure = total <= cost * (1 + 1e-9)
        order = numpy.argsort(budget, kind="stable")
        held, budget = held[order], budget[order]
        paid = numpy.cumsum(held * budget)
        gave_before = numpy.concatenate(([0.0], paid[:-1]))
        payers = self.votes[project] - numpy.concatenate(([0.0], numpy.cumsum(held)[:-1]))
        rest = cost - gave_before
        can_pay = rest <= budget * payers * (1 + 1e-12)
        k = int(numpy.argmax(can_pay)) if can_pay.any() else len(rest) - 1
        if rest[k] <= 0 or payers[k] <= 0:
            return 0.0, True
        # The sums carry about one rounding per term: relative to what is left, that many.
        error = (cost + gave_before[k]) * (k + 2) * 2.3e-16
        return float(rest[k] / (payers[k] * cost)), unsure or error > rest[k] * 1e-10

    def _support(self, classes: "numpy.ndarray", project: int) -> dict[int, int]:
        """The project's supporters counted per class."""
        # Counts of at most a few million: exact in float64, which bincount sums in C.
        counts = numpy.bincount(classes[self.ballots_of[project]], weights=self.weights_of[project])
        present = numpy.flatnonzero(counts)
        supporters = counts[present].astype(numpy.int64)
        return dict(zip(present.tolist(), supporters.tolist(), strict=True))
