"""Counting the envelope ballots and choosing the funded projects, greedily or by Equal Shares.

Both rules give, to the project, the winners pabutools gives (the reference implementation of
pabulib.org and equalshares.net), with one deliberate difference: a project nobody voted for is
never funded, where pabutools' greedy rule would fund it with money nobody asked to spend on it.

Ties are broken by project id in plain string order (code points, so "10" comes before "9"), the
order of pabutools' default `lexico_tie_breaking`. It is arbitrary but public, cannot be steered
after the vote by anyone, and lets anybody recompute the results with pabutools unchanged; an
edition that wants numbers to sort as numbers gives ids of equal length ("07", "10").

Speed comes from two facts. Voters with identical ballots are indistinguishable, so ballots are
counted once per distinct ballot. And during Equal Shares a voter's remaining budget depends only
on which of the projects selected so far they approved, so the budgets of all voters fit in a
few "classes" keyed by that set, kept per project with the number of supporters in each.
Budgets are whole numbers over one common denominator: comparisons that decide a winner are
exact cross-multiplications of integers, as pabutools' own rationals are exact.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from math import gcd

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


def ranking(election: Election, results: Results) -> list[Standing]:
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


def count_votes(election: Election) -> dict[str, int]:
    """For each project, the number of ballots that hold it."""
    votes, _ = _tally(election)
    return votes


def compute_results(
    election: Election, rule: ResultsRule | str, *, voter_budget_increment: int = 1
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


def greedy(election: Election) -> Results:
    """Projects by decreasing number of votes, each funded if it still fits in what is left;
    one that does not fit is skipped and the following ones are still tried.

    This is pabutools' `greedy_utilitarian_welfare` with cost satisfaction (votes × cost per
    unit of cost is the number of votes), less the projects with no vote."""
    votes, _ = _tally(election)
    skipped: dict[str, int] = {}
    winners = _fill_greedily(election, votes, [], skipped)
    return _results(ResultsRule.GREEDY, election, votes, winners, skipped)


def equal_shares(election: Election, *, voter_budget_increment: int = 1) -> Results:
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
    votes, groups = _tally(election)
    shares = _EqualShares(election, votes, groups)
    chosen = shares.iterated(voter_budget_increment)
    skipped: dict[str, int] = {}
    winners = _fill_greedily(election, votes, chosen, skipped)
    return _results(ResultsRule.EQUAL_SHARES, election, votes, winners, skipped)


def _tally(election: Election) -> tuple[dict[str, int], Counter[Ballot]]:
    """Votes per project and the distinct ballots with how many times each was cast."""
    groups = Counter(election.ballots)
    votes = dict.fromkeys((project.id for project in election.projects), 0)
    for ballot, count in groups.items():
        for id in ballot:
            votes[id] += count
    return votes, groups


def _fill_greedily(
    election: Election, votes: Mapping[str, int], chosen: list[str], skipped: dict[str, int]
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
    election: Election,
    votes: dict[str, int],
    winners: list[str],
    skipped: dict[str, int],
) -> Results:
    cost = {p.id: p.cost for p in election.projects}
    return Results(rule, tuple(winners), votes, sum(cost[id] for id in winners), skipped)


# A voter's class: the set of selected projects they approved, as a bit mask over project indices.
# Support: for one project, its supporters counted per class.
_Support = dict[int, int]


class _EqualShares:
    """Runs of Equal Shares on one election, for successive shares per voter.

    Projects with at least one vote are numbered 0..m-1 and kept in the order of the election.
    What the classes are depends only on which projects are selected, not on the budgets nor
    the order of selection, so the supports per class are remembered across runs."""

    def __init__(self, election: Election, votes: Mapping[str, int], groups: Counter[Ballot]):
        supported = [p for p in election.projects if votes[p.id] > 0]
        index = {p.id: i for i, p in enumerate(supported)}
        self.ids = [p.id for p in supported]
        self.costs = [p.cost for p in supported]
        self.votes = [votes[p.id] for p in supported]
        self.budget = election.budget
        self.voters = len(election.ballots)
        # For each project, the distinct ballots holding it: (mask, times cast, the other
        # projects of the ballot).
        self.ballots_of: list[list[tuple[int, int, tuple[int, ...]]]] = [[] for _ in supported]
        for ballot, count in groups.items():
            members = [index[id] for id in ballot]
            mask = sum(1 << i for i in members)
            for i in members:
                others = tuple(j for j in members if j != i)
                self.ballots_of[i].append((mask, count, others))
        self._supports: dict[int, list[_Support]] = {0: [{0: n} for n in self.votes]}

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
        selected projects in order.

        Budgets are numerators over a common denominator, multiplied up when a payment would
        not be a whole number of it; rather than rewriting every budget then, each budget keeps
        the "epoch" it was written in and `factors[epoch]` says by how much to multiply it.
        A project's price per unit of cost ("affordability", rho) is rest / (payers × cost ×
        denominator): `rest` the part of cost × denominator the payers share equally after the
        poorer supporters gave all they had. rho only grows as budgets shrink, so an old rho is
        a lower bound: projects are looked at by increasing old rho and a round stops at the
        first whose old rho is above the best found (floats only order the looking; the choice
        itself is made on integers)."""
        costs, votes, ids = self.costs, self.votes, self.ids
        budgets: dict[int, tuple[int, int]] = {0: (share, 0)}  # class -> (numerator, epoch)
        factors = [1]
        selected = 0
        supports = self._supports[0]
        candidates = set(range(len(costs)))
        lower = {i: 1 / votes[i] for i in candidates}
        winners: list[int] = []
        while candidates:
            best: tuple[int, int, int] | None = None  # (rest, payers, project)
            best_rho = 0.0
            for i in sorted(candidates, key=lower.__getitem__):
                if best is not None and lower[i] > best_rho * (1 + 1e-9):
                    break
                held = []  # (budget, supporters) per class
                for voter_class, n in supports[i].items():
                    numerator, epoch = budgets[voter_class]
                    held.append((numerator * factors[epoch], n))
                need = costs[i] * denominator
                if sum(budget * n for budget, n in held) < need:
                    candidates.discard(i)  # its supporters can no longer pay for it
                    continue
                held.sort()
                rest, payers = need, votes[i]
                for budget, n in held:
                    if rest <= budget * payers:
                        break  # this class, and all richer ones, can pay rest / payers
                    rest -= budget * n
                    payers -= n
                lower[i] = rest / (payers * costs[i] * denominator)
                if best is None:
                    best, best_rho = (rest, payers, i), lower[i]
                    continue
                # rho_i < rho_best, both over the same denominator: cross-multiplied.
                left = rest * best[1] * costs[best[2]]
                right = best[0] * payers * costs[i]
                if left < right or (left == right and ids[i] < ids[best[2]]):
                    best, best_rho = (rest, payers, i), lower[i]
            if best is None:
                break
            rest, payers, chosen = best
            common = gcd(rest, payers)
            scale = payers // common
            if scale > 1:
                denominator *= scale
                factors = [factor * scale for factor in factors]
                factors.append(1)
            payment, now = rest // common, len(factors) - 1
            bit = 1 << chosen
            for voter_class in supports[chosen]:
                numerator, epoch = budgets[voter_class]
                left_over = numerator * factors[epoch] - payment
                budgets[voter_class | bit] = (max(left_over, 0), now)
            supports = self._supports_after(selected, chosen, supports)
            selected |= bit
            candidates.discard(chosen)
            winners.append(chosen)
        return winners

    def _supports_after(
        self, selected: int, chosen: int, supports: list[_Support]
    ) -> list[_Support]:
        """The supports once `chosen` joins `selected`: its supporters move to a new class."""
        key = selected | 1 << chosen
        known = self._supports.get(key)
        if known is not None:
            return known
        # Count the moving supporters per old class first: Counter.update runs in C, and most
        # distinct ballots were cast once.
        moving: dict[int, Counter[int]] = {}
        for mask, count, others in self.ballots_of[chosen]:
            before = mask & selected
            tally = moving.get(before)
            if tally is None:
                tally = moving[before] = Counter()
            if count == 1:
                tally.update(others)
            else:
                for j in others:
                    tally[j] += count
        after = list(supports)
        copied = [False] * len(after)
        for before, tally in moving.items():
            moved = before | 1 << chosen
            for j, count in tally.items():
                if key >> j & 1:
                    continue  # selected already: its supporters no longer matter
                if not copied[j]:
                    after[j] = dict(after[j])
                    copied[j] = True
                support = after[j]
                left = support[before] - count
                if left:
                    support[before] = left
                else:
                    del support[before]
                support[moved] = support.get(moved, 0) + count
        self._supports[key] = after
        return after
