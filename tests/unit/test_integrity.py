"""Integrity alarms: each fires on its pattern, stays quiet on the honest pattern that looks
most like it, and an alarm keeps its identity while its pattern lasts."""

import math
from datetime import UTC, datetime, timedelta

import pytest

from budget.integrity import (
    Alarm,
    AlarmKind,
    Count,
    IntegrityThresholds,
    IntegrityWatch,
    Tally,
    binomial_tail,
    bucket_start,
    counts_at_cast,
    counts_at_phone,
)

DEFAULTS = IntegrityThresholds()
NOW = datetime(2027, 4, 18, 14, 55, tzinfo=UTC)
BUCKET = timedelta(minutes=10)
# The usual mix of first ballots in ten minutes: shares 20%, 30%, 20%, 30%.
USUAL = {"poster": 2, "facebook": 3, "letter": 2, "": 3}


def history(mix: dict[str, int], tally: Tally = Tally.FIRST_BALLOTS_BY_SOURCE) -> list[Count]:
    """A week of `mix` in every bucket, up to the last hour before NOW."""
    last = bucket_start(NOW, DEFAULTS) - 6 * BUCKET
    buckets = [last - BUCKET * step for step in range(1, 7 * 144)]
    return [Count(tally, key, bucket, n) for bucket in buckets for key, n in mix.items() if n]


def last_hour(
    mix: dict[str, int], tally: Tally = Tally.FIRST_BALLOTS_BY_SOURCE, until: datetime = NOW
) -> list[Count]:
    """`mix` spread over the six buckets of the hour up to `until` (the remainder in the
    current one)."""
    counts = []
    for key, n in mix.items():
        for step in range(6):
            share = n // 6 + (n % 6 if step == 0 else 0)
            bucket = bucket_start(until, DEFAULTS) - step * BUCKET
            if share:
                counts.append(Count(tally, key, bucket, share))
    return counts


def check(counts: list[Count], thresholds: IntegrityThresholds = DEFAULTS) -> list[Alarm]:
    return IntegrityWatch(thresholds).check(counts, NOW)


def single_project_totals(totals: dict[str, int]) -> list[Count]:
    return [Count(Tally.NEW_SINGLE_PROJECT, key, None, n) for key, n in totals.items()]


# -- what is recorded --------------------------------------------------------------------------


def test_counts_fall_in_ten_minute_buckets_cut_alike_in_every_time_zone() -> None:
    brussels = datetime(2027, 4, 18, 16, 19, 59).astimezone()
    assert bucket_start(datetime(2027, 4, 18, 14, 9, 59, tzinfo=UTC), DEFAULTS) == datetime(
        2027, 4, 18, 14, 0, tzinfo=UTC
    )
    assert bucket_start(brussels, DEFAULTS).minute == 10


def test_a_first_ballot_counts_for_its_source_and_district_and_a_change_does_not() -> None:
    def cast(first: bool) -> list[Count]:
        return counts_at_cast(
            NOW,
            first=first,
            source="poster",
            district="dinant",
            consented_at=NOW - timedelta(days=3),
            project_ids=["p1", "p2"],
            thresholds=DEFAULTS,
        )

    bucket = datetime(2027, 4, 18, 14, 50, tzinfo=UTC)
    assert cast(first=True) == [
        Count(Tally.FIRST_BALLOTS_BY_SOURCE, "poster", bucket),
        Count(Tally.FIRST_BALLOTS_BY_DISTRICT, "dinant", bucket),
    ]
    assert cast(first=False) == []


def test_no_deep_link_is_a_source_of_its_own_and_no_district_counts_nothing() -> None:
    counts = counts_at_cast(
        NOW,
        first=True,
        source=None,
        district=None,
        consented_at=NOW - timedelta(days=3),
        project_ids=["p1", "p2"],
        thresholds=DEFAULTS,
    )
    assert [(count.tally, count.key) for count in counts] == [(Tally.FIRST_BALLOTS_BY_SOURCE, "")]


@pytest.mark.parametrize(
    ("consent_age", "projects", "counted"),
    [
        (timedelta(minutes=3), ["p7"], True),
        (timedelta(minutes=59, seconds=59), ["p7"], True),
        (timedelta(minutes=60), ["p7"], False),
        (timedelta(minutes=3), ["p7", "p8"], False),
        (timedelta(minutes=3), [], False),
    ],
)
def test_a_single_project_ballot_counts_only_from_an_account_under_an_hour_old(
    consent_age: timedelta, projects: list[str], counted: bool
) -> None:
    for first in (True, False):
        counts = counts_at_cast(
            NOW,
            first=first,
            source="poster",
            district="dinant",
            consented_at=NOW - consent_age,
            project_ids=projects,
            thresholds=DEFAULTS,
        )
        singles = [count for count in counts if count.tally is Tally.NEW_SINGLE_PROJECT]
        # A running total with no time: a bucket would tell which project a lone night
        # voter chose.
        assert singles == ([Count(Tally.NEW_SINGLE_PROJECT, "p7", None)] if counted else [])


def test_a_shared_number_counts_for_its_block_once_registered_and_for_the_account_once() -> None:
    bucket = datetime(2027, 4, 18, 14, 50, tzinfo=UTC)
    assert counts_at_phone(
        NOW, account="a1", block="b1", new_number=True, registered=True, thresholds=DEFAULTS
    ) == [
        Count(Tally.REGISTRATIONS_BY_BLOCK, "b1", bucket),
        Count(Tally.NUMBERS_BY_ACCOUNT, "a1", bucket),
    ]
    assert counts_at_phone(
        NOW, account="a1", block="b2", new_number=True, registered=False, thresholds=DEFAULTS
    ) == [Count(Tally.NUMBERS_BY_ACCOUNT, "a1", bucket)]
    assert (
        counts_at_phone(
            NOW, account="a1", block="b1", new_number=False, registered=False, thresholds=DEFAULTS
        )
        == []
    )


# -- bursts of first ballots -------------------------------------------------------------------


def test_a_source_far_above_its_usual_share_raises_a_burst() -> None:
    hour = {"poster": 300, "facebook": 18, "letter": 12, "": 18}
    (alarm,) = check(history(USUAL) + last_hour(hour))
    assert (alarm.kind, alarm.key, alarm.observed, alarm.total) == (
        AlarmKind.SOURCE_BURST,
        "poster",
        300,
        348,
    )
    # Its usual odds (2 against 8) times the 48 others.
    assert alarm.expected == pytest.approx(48 * 2 / 8, rel=0.01)
    assert alarm.end - alarm.start <= timedelta(minutes=60)


def test_a_reminder_raising_every_source_at_once_raises_nothing() -> None:
    spike = {key: n * 6 * 15 for key, n in USUAL.items()}  # fifteen times the usual hour
    assert check(history(USUAL) + last_hour(spike)) == []


def test_a_source_whose_share_doubles_is_honest_and_one_whose_odds_quadruple_is_not() -> None:
    others = {"facebook": 150, "letter": 100, "": 150}
    # Usual odds 2 against 8: with 400 others, 100 is its share, 200 twice it.
    assert check(history(USUAL) + last_hour({"poster": 200, **others})) == []
    (alarm,) = check(history(USUAL) + last_hour({"poster": 400, **others}))
    assert alarm.key == "poster"


def test_a_big_districts_share_of_a_quiet_hour_is_no_burst() -> None:
    """Namur holds 64% of the voters: 39 of an hour's 45 first ballots happen."""
    usual = {"namur": 64, "dinant": 22, "philippeville": 14}
    tally = Tally.FIRST_BALLOTS_BY_DISTRICT
    hour = {"namur": 39, "dinant": 4, "philippeville": 2}
    assert check(history(usual, tally) + last_hour(hour, tally)) == []
    (alarm,) = check(
        history(usual, tally) + last_hour({"namur": 39, "dinant": 300, "philippeville": 2}, tally)
    )
    assert (alarm.kind, alarm.key) == (AlarmKind.DISTRICT_BURST, "dinant")


@pytest.mark.parametrize(("ballots", "raised"), [(29, False), (30, True)])
def test_a_brand_new_source_is_a_burst_from_the_minimum_count(ballots: int, raised: bool) -> None:
    hour = {**{key: n * 6 for key, n in USUAL.items()}, "newlink": ballots}
    alarms = check(history(USUAL) + last_hour(hour))
    assert [alarm.key for alarm in alarms] == (["newlink"] if raised else [])


def test_the_minimum_count_is_the_editions() -> None:
    hour = {**{key: n * 6 for key, n in USUAL.items()}, "newlink": 20}
    assert check(history(USUAL) + last_hour(hour)) == []
    (alarm,) = check(history(USUAL) + last_hour(hour), IntegrityThresholds(burst_min_ballots=20))
    assert alarm.key == "newlink"


def test_an_edition_with_one_district_has_no_district_bursts() -> None:
    tally = Tally.FIRST_BALLOTS_BY_DISTRICT
    assert check(history({"all": 1}, tally) + last_hour({"all": 500}, tally)) == []


def test_ballots_older_than_the_baseline_weigh_nothing() -> None:
    """A week ago poster was everything; in the week before the hour it was 20%."""
    old = Count(Tally.FIRST_BALLOTS_BY_SOURCE, "poster", NOW - timedelta(days=8), 100_000)
    hour = {"poster": 300, "facebook": 18, "letter": 12, "": 18}
    assert [alarm.key for alarm in check([old, *history(USUAL), *last_hour(hour)])] == ["poster"]
    since = IntegrityWatch(DEFAULTS).reads_since(NOW)[Tally.FIRST_BALLOTS_BY_SOURCE]
    assert since is not None and old.bucket is not None and old.bucket < since


# -- waves of single-project ballots from new accounts -----------------------------------------


def watch_over(*steps: tuple[int, dict[str, int]]) -> list[Alarm]:
    """The alarms of the last check, with the totals read at checks `minutes` after the first."""
    watch, alarms = IntegrityWatch(DEFAULTS), []
    start = NOW - timedelta(hours=3)
    for minutes, totals in steps:
        alarms = watch.check(single_project_totals(totals), start + timedelta(minutes=minutes))
    return alarms


def test_a_wave_of_single_project_ballots_from_new_accounts_is_raised() -> None:
    before = {"p1": 40, "p2": 60, "p3": 30}
    (alarm,) = watch_over((0, before), (30, before), (65, {**before, "p3": 330, "p1": 44}))
    assert (alarm.kind, alarm.key, alarm.observed, alarm.total) == (
        AlarmKind.SINGLE_PROJECT_WAVE,
        "p3",
        300,
        304,
    )
    assert alarm.start == NOW - timedelta(hours=3), "the latest check a whole hour earlier"


def test_every_project_gaining_at_once_is_no_wave() -> None:
    before = {"p1": 40, "p2": 60, "p3": 30}
    busy = {key: n * 5 for key, n in before.items()}
    assert watch_over((0, before), (60, busy)) == []


@pytest.mark.parametrize(("ballots", "raised"), [(29, False), (30, True)])
def test_a_project_new_to_single_ballots_is_a_wave_from_the_minimum_count(
    ballots: int, raised: bool
) -> None:
    before = {"p1": 100, "p2": 100}
    alarms = watch_over((0, before), (60, {"p1": 103, "p2": 102, "p3": ballots}))
    assert [alarm.key for alarm in alarms] == (["p3"] if raised else [])


def test_the_totals_since_the_vote_opened_are_no_wave() -> None:
    """A process that starts mid-vote has nothing to compare its first reading with."""
    assert watch_over((0, {"p1": 5000, "p2": 10})) == []
    assert watch_over((0, {"p1": 10}), (5, {"p1": 10}), (9, {"p1": 500})) == [], (
        "less than a bucket apart"
    )


def test_a_wave_spread_over_more_than_a_window_counts_per_window() -> None:
    """300 ballots over ten hours is 30 an hour: the window sees a tenth of them."""
    steps = [(minutes, {"p1": 100, "p2": 100 + minutes // 2}) for minutes in range(0, 600, 5)]
    assert watch_over(*steps) == []


# -- runs of numbers and accounts with many numbers --------------------------------------------


def registrations(block: str, n: int, spread: timedelta) -> list[Count]:
    step = spread / n
    return [
        Count(Tally.REGISTRATIONS_BY_BLOCK, block, bucket_start(NOW - step * index, DEFAULTS))
        for index in range(n)
    ]


@pytest.mark.parametrize(
    ("n", "spread", "raised"),
    [
        (10, timedelta(hours=4), True),
        (9, timedelta(hours=4), False),
        (10, timedelta(hours=30), False),
    ],
)
def test_many_registrations_from_one_block_within_a_day_are_a_run(
    n: int, spread: timedelta, raised: bool
) -> None:
    scattered = [
        Count(Tally.REGISTRATIONS_BY_BLOCK, f"block{index}", bucket_start(NOW, DEFAULTS))
        for index in range(500)
    ]
    alarms = check(scattered + registrations("bought", n, spread))
    assert [(alarm.kind, alarm.key) for alarm in alarms] == (
        [(AlarmKind.NUMBER_RUN, "bought")] if raised else []
    )


@pytest.mark.parametrize(("numbers", "raised"), [(4, False), (5, True)])
def test_an_account_trying_many_numbers_is_raised(numbers: int, raised: bool) -> None:
    tried = [
        Count(Tally.NUMBERS_BY_ACCOUNT, "a1", bucket_start(NOW - timedelta(days=day), DEFAULTS))
        for day in range(numbers)
    ]
    alarms = check([*tried, Count(Tally.NUMBERS_BY_ACCOUNT, "a2", NOW, 1)])
    assert [(alarm.kind, alarm.key) for alarm in alarms] == (
        [(AlarmKind.ACCOUNT_NUMBERS, "a1")] if raised else []
    )


# -- one alarm per pattern ---------------------------------------------------------------------


def test_a_pattern_still_seen_updates_its_alarm_and_one_unchanged_is_not_returned() -> None:
    watch = IntegrityWatch(DEFAULTS)
    counts = history(USUAL) + last_hour({"poster": 300, "facebook": 18})
    (first,) = watch.check(counts, NOW)
    later = NOW + timedelta(minutes=25)
    (again,) = watch.check(counts + last_hour({"poster": 100}), later, [first])
    assert again.identity == first.identity
    assert (again.first_seen, again.last_seen) == (NOW, later)

    tried = [Count(Tally.NUMBERS_BY_ACCOUNT, "a1", NOW, 5)]
    (account,) = watch.check(tried, NOW)
    assert watch.check(tried, later, [account]) == []
    (more,) = watch.check([*tried, Count(Tally.NUMBERS_BY_ACCOUNT, "a1", later)], later, [account])
    assert (more.identity, more.observed) == (account.identity, 6)


def test_a_bigger_window_replaces_the_one_kept() -> None:
    watch = IntegrityWatch(DEFAULTS)
    before = single_project_totals({"p1": 100, "p2": 100})
    watch.check(before, NOW - timedelta(hours=1))
    (first,) = watch.check(single_project_totals({"p1": 100, "p2": 140}), NOW)
    (bigger,) = watch.check(
        single_project_totals({"p1": 100, "p2": 400}), NOW + timedelta(minutes=5), [first]
    )
    assert (bigger.identity, bigger.observed) == (first.identity, 300)


def test_a_new_wave_after_a_quiet_window_raises_a_new_alarm() -> None:
    watch = IntegrityWatch(DEFAULTS)
    counts = history(USUAL) + last_hour({"poster": 300, "facebook": 18})
    (first,) = watch.check(counts, NOW)
    later = NOW + timedelta(hours=1, minutes=10)
    assert watch.check(counts, later, [first]) == [], "the wave is over"
    again = last_hour({"poster": 300, "facebook": 18}, until=later)
    (second,) = watch.check(counts + again, later, [first])
    assert second.identity != first.identity
    assert second.first_seen == later


def test_processes_checking_within_one_bucket_name_a_pattern_alike() -> None:
    counts = history(USUAL) + last_hour({"poster": 300, "facebook": 18})
    (one,) = IntegrityWatch(DEFAULTS).check(counts, NOW)
    (other,) = IntegrityWatch(DEFAULTS).check(counts, NOW + timedelta(minutes=4))
    assert one.identity == other.identity == "source_burst/poster/2027-04-18T14:50Z"


def test_the_edition_can_relax_or_tighten_each_detector() -> None:
    tried = [Count(Tally.NUMBERS_BY_ACCOUNT, "a1", NOW, 3)]
    assert check(tried) == []
    assert len(check(tried, IntegrityThresholds(account_min_numbers=3))) == 1
    run = registrations("b", 4, timedelta(hours=1))
    assert len(check(run, IntegrityThresholds(run_min_registrations=4))) == 1


# -- the arithmetic ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "n", "p"),
    [(0, 5, 0.3), (3, 10, 0.5), (5, 10, 0.5), (10, 10, 0.3), (1, 10, 0.01), (39, 45, 0.72)],
)
def test_the_binomial_tail_is_exact(k: int, n: int, p: float) -> None:
    exact = sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))
    assert binomial_tail(k, n, p) == pytest.approx(exact, rel=1e-9)


def test_the_binomial_tail_of_large_windows_does_not_underflow() -> None:
    assert 0 < binomial_tail(3000, 10_000, 0.25) < 1e-20
    assert binomial_tail(2400, 10_000, 0.25) > 0.99
    assert binomial_tail(11, 10, 0.5) == 0
