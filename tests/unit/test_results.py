"""Results of an envelope vote on examples small enough to explain by hand."""

import random

import numpy
import pytest

from budget.edition import ResultsRule
from budget.pabulib import PabulibError, format_pabulib, parse_pabulib, parse_pabulib_file
from budget.results import (
    CountedElection,
    Election,
    GroupedElection,
    Project,
    compute_results,
    count_votes,
    equal_shares,
    greedy,
    ranking,
)


def _ballots(*groups: tuple[int, list[str]]) -> list[list[str]]:
    """`(3, ["a", "b"])` is three citizens who each put a and b in their envelope."""
    return [list(ballot) for times, ballot in groups for _ in range(times)]


def test_votes_count_the_ballots_holding_each_project() -> None:
    election = Election.of(
        {"a": 10, "b": 10, "c": 10}, 30, _ballots((2, ["a", "b"]), (1, ["b"]), (1, []))
    )
    assert count_votes(election) == {"a": 2, "b": 3, "c": 0}


def test_a_project_named_twice_in_a_ballot_counts_once() -> None:
    election = Election.of({"a": 10, "b": 10}, 30, [["a", "a", "b"], ["b"]])
    assert count_votes(election) == {"a": 1, "b": 2}


def test_a_ballot_naming_an_unknown_project_is_refused() -> None:
    with pytest.raises(ValueError, match=r"ballot 2 names unknown project\(s\) 'z'"):
        Election.of({"a": 10}, 30, [["a"], ["a", "z"]])


@pytest.mark.parametrize("cost", [0, -5, 2.5, True])
def test_a_cost_must_be_a_positive_whole_number(cost: object) -> None:
    with pytest.raises(ValueError, match="positive whole number"):
        Project("a", cost)  # type: ignore[arg-type]


def test_a_project_listed_twice_and_a_negative_budget_are_refused() -> None:
    with pytest.raises(ValueError, match="listed twice"):
        Election.of([Project("a", 1), Project("a", 2)], 10, [])
    with pytest.raises(ValueError, match="budget"):
        Election.of({"a": 1}, -1, [])


def test_greedy_skips_a_project_that_no_longer_fits_and_tries_the_next() -> None:
    # a (5 votes) takes 80 of 100; b (4 votes) would need 50 of the 20 left and is skipped;
    # c (3 votes) costs 20 and is still funded.
    election = Election.of(
        {"a": 80, "b": 50, "c": 20},
        100,
        _ballots((3, ["a", "b", "c"]), (1, ["a", "b"]), (1, ["a"])),
    )
    results = greedy(election)
    assert results.winners == ("a", "c")
    assert results.budget_used == 100
    assert results.votes == {"a": 5, "b": 4, "c": 3}
    # What the results say of b in words: it did not fit in the 20 left.
    assert results.left_when_skipped == {"b": 20}
    [first, second, third] = ranking(election, results)
    assert (second.project.id, second.winner, second.left) == ("b", False, 20)
    assert first.left is None and third.left is None


def test_after_equal_shares_a_project_that_did_not_fit_says_what_was_left() -> None:
    # Equal Shares buys a for the majority and c for the minority; b, wanted by the majority
    # only, then needs 60 where 30 are left.
    election = Election.of(
        {"a": 40, "b": 60, "c": 30},
        100,
        _ballots((3, ["a", "b"]), (1, ["c"])),
    )
    results = equal_shares(election)
    assert set(results.winners) == {"a", "c"}
    assert results.left_when_skipped == {"b": 30}


@pytest.mark.parametrize("rule", list(ResultsRule))
def test_a_project_nobody_voted_for_is_never_funded(rule: ResultsRule) -> None:
    # 70 of the budget are left over, and "unwanted" would fit in them.
    election = Election.of({"wanted": 30, "unwanted": 10}, 100, [["wanted"], ["wanted"]])
    results = compute_results(election, rule)
    assert results.winners == ("wanted",)
    assert results.budget_used == 30


def test_ties_go_to_the_smaller_id_in_string_order() -> None:
    # Same votes, room for one of them: "10" comes before "9" as strings.
    election = Election.of({"9": 60, "10": 60}, 100, [["9", "10"], ["9", "10"]])
    assert greedy(election).winners == ("10",)
    assert equal_shares(election).winners == ("10",)


def test_equal_shares_gives_a_minority_its_share_where_greedy_gives_all_to_a_majority() -> None:
    # Six citizens want the three A projects, four want the two B projects; each costs 30 and
    # the budget is 90. Greedy funds the three A projects (6 votes beat 4): the majority takes
    # everything. Equal Shares gives each citizen 9: the six pay 5 each for A1 (ties go to the
    # smaller id), then have 6 × 4 = 24 left, too little for A2; the four pay 7.5 each for B1.
    # That leaves A2 unfunded while it would fit, so each share is raised by 1 to 10: the six
    # now have 5 each left after A1, exactly enough for A2, which at 5 each is cheaper per
    # citizen than B1 at 7.5 each, so A2 comes before B1; 90 is spent and nothing else fits.
    # Six tenths of the budget, two projects, went to six tenths of the citizens.
    election = Election.of(
        {"A1": 30, "A2": 30, "A3": 30, "B1": 30, "B2": 30},
        90,
        _ballots((6, ["A1", "A2", "A3"]), (4, ["B1", "B2"])),
    )
    assert greedy(election).winners == ("A1", "A2", "A3")
    results = equal_shares(election)
    assert results.winners == ("A1", "A2", "B1")
    assert results.budget_used == 90
    assert results.rule is ResultsRule.EQUAL_SHARES


def test_equal_shares_keeps_the_last_outcome_within_budget_and_fills_it_greedily() -> None:
    # Shares start at 100 / 4 = 25 and rise by 1. The three supporters of m1 and m2 buy m1 at
    # 20 each; they can add m2 (45) only once each holds 35, and then m1 + m2 = 105 overspends.
    # The lone supporter of n1 (40) would need a share of 40. So the outcome at 34, {m1}, is
    # kept, and greedy completes it: m2 (3 votes) does not fit in the 40 left, n1 does.
    election = Election.of(
        {"m1": 60, "m2": 45, "n1": 40},
        100,
        _ballots((3, ["m1", "m2"]), (1, ["n1"])),
    )
    assert equal_shares(election).winners == ("m1", "n1")
    assert greedy(election).winners == ("m1", "n1")


def test_a_larger_increment_raises_the_shares_in_bigger_steps() -> None:
    election = Election.of(
        {"A1": 30, "A2": 30, "A3": 30, "B1": 30, "B2": 30},
        90,
        _ballots((6, ["A1", "A2", "A3"]), (4, ["B1", "B2"])),
    )
    # Shares of 9 then 19 (which overspends): the first outcome {A1, B1} is kept and A2 is
    # added greedily afterwards, hence the order.
    assert equal_shares(election, voter_budget_increment=10).winners == ("A1", "B1", "A2")
    with pytest.raises(ValueError, match="increment"):
        equal_shares(election, voter_budget_increment=0)


def test_no_ballot_no_winner() -> None:
    election = Election.of({"a": 10}, 100, [])
    assert greedy(election).winners == ()
    assert equal_shares(election).winners == ()


def test_the_rule_is_chosen_by_name() -> None:
    election = Election.of({"a": 10}, 100, [["a"]])
    assert compute_results(election, "greedy").rule is ResultsRule.GREEDY
    assert compute_results(election, "mes").rule is ResultsRule.EQUAL_SHARES
    with pytest.raises(ValueError, match="unknown results rule 'borda'"):
        compute_results(election, "borda")


def _namur_like(seed: int) -> Election:
    """21 projects, 7 346 ballots and a 200 000 envelope, as in Namur's 2022 edition; citizens
    fill their envelope with projects chosen with a popularity that falls with the rank."""
    rng = random.Random(seed)
    costs = {f"P{number:02}": rng.randrange(4_000, 60_001, 500) for number in range(1, 22)}
    ids = list(costs)
    weights = [1 / rank for rank in range(1, len(ids) + 1)]
    ballots = []
    for _ in range(7_346):
        envelope_left, ballot = 200_000, set()
        for project in rng.choices(ids, weights=weights, k=rng.randint(1, 8)):
            if costs[project] <= envelope_left and project not in ballot:
                ballot.add(project)
                envelope_left -= costs[project]
        ballots.append(ballot)
    return Election.of(costs, 200_000, ballots)


def test_a_namur_like_vote_spends_at_most_the_envelope() -> None:
    election = _namur_like(2022)
    votes = count_votes(election)
    assert sum(votes.values()) == sum(len(ballot) for ballot in election.ballots)
    for rule in ResultsRule:
        results = compute_results(election, rule)
        cost = {p.id: p.cost for p in election.projects}
        assert results.budget_used == sum(cost[id] for id in results.winners) <= 200_000
        assert len(set(results.winners)) == len(results.winners)
        # Whatever is left is too little for any project somebody wanted and was not funded.
        left = 200_000 - results.budget_used
        assert all(cost[id] > left for id in cost if id not in results.winners and votes[id] > 0)
    ranked = greedy(election).winners
    assert [votes[id] for id in ranked] == sorted((votes[id] for id in ranked), reverse=True)


# The pabulib format is how results are published and checked, so its faults are tested here.

GOOD_FILE = """META
key;value
description;Namur; 2022
budget;100
vote_type;approval
num_votes;2
PROJECTS
project_id;cost;name
1;60;Bancs
2;40;"Arbres; haies"
VOTES
voter_id;vote;age
1;1,2;34
2; 2 ;51
"""


def test_a_pabulib_file_is_read_into_an_election() -> None:
    election = parse_pabulib(GOOD_FILE)
    assert election == Election.of({"1": 60, "2": 40}, 100, [["1", "2"], ["2"]])
    assert parse_pabulib(format_pabulib(election)) == election


def test_the_projects_names_and_other_columns_are_read_and_written_back() -> None:
    read = parse_pabulib_file(GOOD_FILE)
    assert read.details == {"1": {"name": "Bancs"}, "2": {"name": "Arbres; haies"}}
    assert read.meta["description"] == "Namur; 2022"
    details = {
        "1": {"name": "Des bancs\nsur la place", "category": "Espace public", "selected": "1"},
        "2": {"name": "Arbres; haies", "selected": "0"},
    }
    written = format_pabulib(read.election, details=details)
    assert "project_id;cost;votes;name;category;selected\n" in written
    # A value a project lacks is written None, as pabutools writes it, and read as missing.
    assert '2;40;2;"Arbres; haies";None;0\n' in written
    again = parse_pabulib_file(written)
    assert again.election == read.election
    assert again.details["1"]["name"] == "Des bancs sur la place"
    assert again.details["2"] == {"name": "Arbres; haies", "selected": "0"}
    assert again.name("2") == "Arbres; haies"
    assert parse_pabulib_file(format_pabulib(read.election)).name("2") == "2"


@pytest.mark.parametrize(
    ("fault", "replace", "by", "line"),
    [
        ("no META first", "META\n", "", 1),
        ("unknown project", "1;1,2;34", "1;1,3;34", 13),
        ("cost not whole", "1;60;Bancs", "1;60.5;Bancs", 9),
        ("zero cost", "1;60;Bancs", "1;0;Bancs", 9),
        ("missing field", "2;40;", "2;", 10),
        ("project twice", "2;40;", "1;40;", 10),
        ("voter twice", "2; 2 ;51", "1; 2 ;51", 14),
        ("vote count", "num_votes;2", "num_votes;3", 6),
        ("other vote type", "vote_type;approval", "vote_type;ordinal", 5),
        ("no budget", "budget;100\n", "", 8),
        ("no cost column", "project_id;cost;name", "project_id;price;name", 8),
        ("sections swapped", "PROJECTS", "VOTES", 7),
    ],
)
def test_a_malformed_pabulib_file_is_refused_with_its_line(
    fault: str, replace: str, by: str, line: int
) -> None:
    assert replace in GOOD_FILE, fault
    with pytest.raises(PabulibError) as refused:
        parse_pabulib(GOOD_FILE.replace(replace, by, 1))
    assert refused.value.line == line, f"{fault}: {refused.value}"
    assert str(refused.value).startswith(f"line {line}: ")


def test_a_truncated_pabulib_file_is_refused() -> None:
    with pytest.raises(PabulibError, match="ends before the VOTES section"):
        parse_pabulib(GOOD_FILE.split("VOTES")[0])


def test_ballots_grouped_give_the_results_of_the_ballots_one_by_one() -> None:
    """Counting each distinct ballot once, as a national vote is read, changes no figure."""
    rng = random.Random(14)
    for _ in range(200):
        ids = [f"{n:02}" for n in range(rng.randint(1, 12))]
        costs = {id: rng.choice((10, 20, 25, 40, 70)) for id in ids}
        ballots = [
            rng.sample(ids, rng.randint(0, min(4, len(ids)))) for _ in range(rng.randint(0, 300))
        ]
        budget = rng.randint(0, sum(costs.values()) + 20)
        one_by_one = Election.of(costs, budget, ballots)
        grouped = one_by_one.grouped()
        assert grouped.voters == len(ballots)
        assert len(grouped.groups) == len({frozenset(b) for b in ballots})
        for rule in ResultsRule:
            assert compute_results(grouped, rule) == compute_results(one_by_one, rule)
        assert count_votes(grouped) == count_votes(one_by_one)


def test_a_ballot_given_twice_in_groups_is_counted_once_with_both_numbers() -> None:
    grouped = GroupedElection.of(
        {"a": 10, "b": 10}, 20, [(["a", "b"], 2), (["b", "a", "a"], 3), ([], 1)]
    )
    assert dict(grouped.groups) == {frozenset("ab"): 5, frozenset(): 1}
    assert grouped.voters == 6
    assert count_votes(grouped) == {"a": 5, "b": 5}


@pytest.mark.parametrize("times", [0, -1, 1.5, True])
def test_a_ballot_is_cast_a_whole_positive_number_of_times(times: object) -> None:
    with pytest.raises(ValueError, match="whole number of times"):
        GroupedElection.of({"a": 10}, 20, [(["a"], times)])  # type: ignore[list-item]


def test_grouped_ballots_naming_an_unknown_project_or_listed_twice_are_refused() -> None:
    with pytest.raises(ValueError, match=r"unknown project\(s\) 'z'"):
        GroupedElection.of({"a": 10}, 20, [(["a"], 1), (["z"], 2)])
    with pytest.raises(ValueError, match="listed twice"):
        GroupedElection((Project("a", 10),), 20, ((frozenset("a"), 1), (frozenset("a"), 2)))


def test_ballots_in_arrays_give_the_results_of_the_ballots_one_by_one() -> None:
    """The arrays a national vote is read into: positions of the projects, a project given
    twice in one ballot counted once, projects in any order within a ballot, and a ballot
    listed twice (a grouped reading can give that) counted with both numbers."""
    costs = {"a": 30, "b": 20, "c": 10}
    counted = CountedElection.of(
        costs,
        40,
        members=numpy.array([1, 0, 1, 2, 1, 0]),
        lengths=numpy.array([3, 0, 1, 2]),
        counts=numpy.array([4, 2, 3, 1]),
    )
    one_by_one = Election.of(
        costs, 40, _ballots((4, ["a", "b"]), (2, []), (3, ["c"]), (1, ["a", "b"]))
    )
    assert counted.voters == 10
    assert count_votes(counted) == {"a": 5, "b": 5, "c": 3}
    for rule in ResultsRule:
        assert compute_results(counted, rule) == compute_results(one_by_one, rule)


@pytest.mark.parametrize(
    ("members", "lengths", "counts", "fault"),
    [
        ([0, 3], [2], [1], "not on the ballot"),
        ([0, -1], [2], [1], "not on the ballot"),
        ([0, 1], [1], [1], "add up"),
        ([0, 1], [1, 1], [1, 0], "at least once"),
        ([0, 1], [1, 1], [1], "one number per ballot"),
        ([0.5], [1], [1], "whole numbers"),
    ],
)
def test_ballots_in_arrays_that_do_not_hold_together_are_refused(
    members: list[float], lengths: list[int], counts: list[int], fault: str
) -> None:
    with pytest.raises(ValueError, match=fault):
        CountedElection.of(
            {"a": 10, "b": 10}, 20, numpy.array(members), numpy.array(lengths), numpy.array(counts)
        )


def test_ballots_in_arrays_of_any_integer_type_or_none_at_all_are_counted() -> None:
    unsigned = CountedElection.of(
        {"a": 10, "b": 10},
        20,
        numpy.array([1, 0, 1], dtype=numpy.uint8),
        numpy.array([3], dtype=numpy.uint8),
        numpy.array([2], dtype=numpy.uint16),
    )
    assert count_votes(unsigned) == {"a": 2, "b": 2}
    nobody = CountedElection.of({"a": 10}, 20, numpy.array([]), numpy.array([]), numpy.array([]))
    assert nobody.voters == 0
    assert count_votes(nobody) == {"a": 0}
    assert equal_shares(nobody).winners == greedy(nobody).winners == ()
