"""Whether the integrity alarms catch organised voting, and stay quiet on honest days.

A seeded vote of N honest voters over D days, in the Province of Namur (three arrondissements
of unequal size, 21 projects), recorded as the bot would record it (`counts_at_phone` when a
number is shared, `counts_at_cast` at every cast) and checked every 5 minutes by an
`IntegrityWatch`, the alarms already raised handed back at each check.

The honest vote:
- arrivals follow the hours of a day (few at night, a lunch peak, a larger evening peak; later
  mornings at the weekend), more on the first days and the last one;
- the weekly reminder goes out on Thursday at 18:30 (the vote opens on a Thursday): 12% of
  the voters vote within the next hours, most of them in the first hour, from every source
  and district;
- deep links: poster 20%, Facebook ad 25%, the mayor's letter 20%, none 35%; the letter is
  read in the morning and more in the first days (when it lands), Facebook in the evening,
  posters at commuting times;
- 15% of voters come with 1 to 5 friends who got the same link (same source, mostly the
  same district, within 40 minutes, often sharing the favourite project);
- about two thirds consent to the bot minutes before voting, the others earlier (the
  reminder's audience, mostly);
- ballots hold one project (22%), two, three, up to seven, chosen by popularity and with a
  liking for one's own district's projects; 10% of voters change their ballot later, some
  within minutes;
- phone numbers drawn at random from the Belgian mobile range 04xx xx xx xx (10^8 numbers);
  4% of accounts first forward someone else's contact (refused), 1% two of them.

Three attacks, on days about 30%, 50% and 80% into the vote:
1. bought votes: 300 new accounts, from the poster's link, in the project's district, each
   casting a ballot for that single project, within about an hour;
2. bulk SIM cards: 200 consecutive numbers registering over four hours, as new accounts that
   cast ordinary-looking ballots (three projects, one always the same) from every source;
3. one account trying 20 numbers in 25 minutes.

    python -m bench.integrity                       # 5 000 voters over 10 days
    python -m bench.integrity --seed 7 --voters 20000 --days 14
    python -m bench.integrity --processes 3         # three bot processes checking in turn

An alarm counts for an attack when it names the attack's key (its source, district, project,
a block of its numbers, its account) within a day of it; any other alarm is a false alarm.
An alarm raised while another was already following the same key is counted as raised twice.
The last line of output is one JSON object with the figures.
"""

import argparse
import bisect
import hashlib
import hmac
import json
import random
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from budget.integrity import (
    Alarm,
    AlarmKind,
    Count,
    IntegrityThresholds,
    IntegrityWatch,
    Tally,
    counts_at_cast,
    counts_at_phone,
)

ZONE = ZoneInfo("Europe/Brussels")
# A Thursday: the weekly reminder goes out on the opening day and a week later.
OPENING = datetime(2027, 4, 15, tzinfo=ZONE)
REMINDER_WEEKDAY, REMINDER_TIME = 3, (18, 30)
CHECK_EVERY = timedelta(minutes=5)
DEFAULT_VOTERS, DEFAULT_DAYS, DEFAULT_SEED = 5_000, 10, 1

SOURCES = {"poster": 0.20, "facebook": 0.25, "letter": 0.20, "": 0.35}
DISTRICTS = {"namur": 0.64, "dinant": 0.22, "philippeville": 0.14}
PROJECTS_PER_DISTRICT = {"namur": 12, "dinant": 5, "philippeville": 4}

# Relative arrivals per hour of the day, 0 h to 11 h on the first line, 12 h to 23 h below.
# fmt: off
WEEKDAY_HOURS = (
    0.10, 0.05, 0.03, 0.03, 0.05, 0.15, 0.40, 0.80, 1.00, 0.90, 0.90, 1.10,
    1.80, 1.60, 0.90, 0.80, 0.90, 1.10, 1.40, 1.80, 2.00, 1.70, 1.00, 0.40,
)
WEEKEND_HOURS = (
    0.20, 0.10, 0.05, 0.03, 0.03, 0.05, 0.10, 0.30, 0.50, 0.80, 1.20, 1.40,
    1.30, 1.20, 1.10, 1.10, 1.10, 1.20, 1.30, 1.50, 1.60, 1.40, 0.90, 0.50,
)
# fmt: on
# How many of the vote's voters come on each day: the launch, a lull, the deadline.
DAY_WEIGHTS = (1.6, 1.3, 1.1, 1.0, 0.9, 0.85, 0.8, 0.8, 0.85, 0.9)
LAST_DAYS = (1.2, 1.5)
REMINDED_SHARE = 0.12
PARTY_SHARE = 0.15
NEW_ACCOUNT_SHARE = 0.65
CHANGE_SHARE = 0.10
# Ballot sizes: one project, two, three...
BALLOT_SIZES = {1: 0.22, 2: 0.28, 3: 0.25, 4: 0.15, 5: 0.05, 6: 0.03, 7: 0.02}


def source_weights(moment: datetime, day: int) -> dict[str, float]:
    """The deep links' shares at a moment: the letter is read in the morning and lands in the
    first days, Facebook is scrolled in the evening, posters are seen on the way to work."""
    hour = moment.astimezone(ZONE).hour
    weights = dict(SOURCES)
    letter_days = (1.6, 1.5, 1.2, 1.0, 0.9, 0.8, 0.7)
    weights["letter"] *= letter_days[min(day, len(letter_days) - 1)]
    if 7 <= hour < 13:
        weights["letter"] *= 1.5
        weights["facebook"] *= 0.7
    if hour >= 19 or hour < 1:
        weights["facebook"] *= 1.4
        weights["letter"] *= 0.7
    if 7 <= hour < 9 or 16 <= hour < 18:
        weights["poster"] *= 1.3
    return weights


# -- the events the bot records ------------------------------------------------------------


@dataclass(frozen=True)
class PhoneShared:
    at: datetime
    account: str
    number: int
    new_number: bool
    registered: bool


@dataclass(frozen=True)
class Cast:
    at: datetime
    consented_at: datetime
    first: bool
    source: str
    district: str
    project_ids: tuple[str, ...]


Event = PhoneShared | Cast


@dataclass
class Attack:
    name: str
    start: datetime
    end: datetime
    keys: set[tuple[AlarmKind, str]] = field(default_factory=set)
    accounts: int = 0


@dataclass
class Vote:
    events: list[Event]
    attacks: list[Attack]
    honest_voters: int
    block_of: dict[int, str]


class Simulation:
    def __init__(self, seed: int, voters: int, days: int) -> None:
        self.rng = random.Random(seed)
        self.voters, self.days = voters, days
        self.key = self.rng.randbytes(32)
        self.events: list[Event] = []
        self.next_account = 1
        self.projects = [
            f"{district[:3]}{number:02}"
            for district, count in PROJECTS_PER_DISTRICT.items()
            for number in range(1, count + 1)
        ]
        order = list(self.projects)
        self.rng.shuffle(order)
        self.popularity = {project: 1 / (rank + 1) ** 0.8 for rank, project in enumerate(order)}
        self.block_of: dict[int, str] = {}

    # -- honest voters ---------------------------------------------------------------------

    def honest(self) -> int:
        reminders = [
            OPENING.replace(hour=REMINDER_TIME[0], minute=REMINDER_TIME[1]) + timedelta(days=day)
            for day in range(self.days)
            if (OPENING + timedelta(days=day)).weekday() == REMINDER_WEEKDAY
        ]
        reminded = round(self.voters * REMINDED_SHARE) if reminders else 0
        for _ in range(reminded):
            sent = self.rng.choice(reminders)
            at = sent + timedelta(minutes=min(240.0, self.rng.expovariate(1 / 35)))
            source = _pick(self.rng, SOURCES)
            district = _pick(self.rng, DISTRICTS)
            self.voter(at, source, district, new=self.rng.random() < 0.3, favourite=None)
        count = reminded
        while count < self.voters:
            day = _pick(self.rng, {day: self.day_weight(day) for day in range(self.days)})
            date = OPENING + timedelta(days=day)
            hours = WEEKEND_HOURS if date.weekday() >= 5 else WEEKDAY_HOURS
            hour = _pick(self.rng, dict(enumerate(hours)))
            at = date.replace(hour=hour) + timedelta(seconds=self.rng.uniform(0, 3600))
            source = _pick(self.rng, source_weights(at, day))
            district = _pick(self.rng, DISTRICTS)
            party = 1
            if self.rng.random() < PARTY_SHARE:
                party += self.rng.randint(1, 5)
            favourite = self.ballot(district, 1)[0]
            for member in range(min(party, self.voters - count)):
                member_at = at + timedelta(minutes=self.rng.uniform(0, 40) if member else 0)
                member_district = district
                if member and self.rng.random() < 0.2:
                    member_district = _pick(self.rng, DISTRICTS)
                new = self.rng.random() < (0.9 if member else NEW_ACCOUNT_SHARE)
                self.voter(member_at, source, member_district, new, favourite if member else None)
                count += 1
        return count

    def day_weight(self, day: int) -> float:
        weight = DAY_WEIGHTS[min(day, len(DAY_WEIGHTS) - 1)]
        if day >= self.days - len(LAST_DAYS):
            weight *= LAST_DAYS[day - (self.days - len(LAST_DAYS))]
        if (OPENING + timedelta(days=day)).weekday() >= 5:
            weight *= 0.85
        return weight

    def voter(
        self, at: datetime, source: str, district: str, new: bool, favourite: str | None
    ) -> None:
        account = self.account()
        if new:
            consented = at - timedelta(minutes=min(45.0, 1 + self.rng.expovariate(1 / 6)))
            registered = consented + (at - consented) * self.rng.uniform(0.3, 0.9)
        else:
            consented = at - timedelta(days=self.rng.uniform(1, 60))
            registered = at - timedelta(minutes=self.rng.uniform(0.5, 4))
        draw = self.rng.random()
        wrong_first = 2 if draw < 0.01 else 1 if draw < 0.05 else 0
        for attempt in range(wrong_first, 0, -1):
            # Someone else's contact, forwarded: refused.
            wrong = self.rng.randrange(10**8)
            self.phone(registered - timedelta(minutes=attempt), account, wrong, registered=False)
        self.phone(registered, account, self.rng.randrange(10**8), registered=True)
        if self.rng.random() < 0.1:
            # The same number shared again: nothing new to count.
            self.events.append(PhoneShared(registered, account, 0, False, False))
        ballot = self.ballot(district, _pick(self.rng, BALLOT_SIZES))
        if favourite is not None and self.rng.random() < 0.7 and favourite not in ballot:
            ballot = [favourite, *ballot[1:]]
        self.events.append(Cast(at, consented, True, source, district, tuple(ballot)))
        if self.rng.random() < CHANGE_SHARE:
            quick = self.rng.random() < 0.3
            delay = self.rng.uniform(2, 20) if quick else self.rng.expovariate(1 / 1440)
            changed = self.ballot(district, _pick(self.rng, BALLOT_SIZES))
            self.events.append(
                Cast(
                    at + timedelta(minutes=delay),
                    consented,
                    False,
                    source,
                    district,
                    tuple(changed),
                )
            )

    def ballot(self, district: str, size: int) -> list[str]:
        weights = {
            project: self.popularity[project] * (2.5 if project.startswith(district[:3]) else 1)
            for project in self.projects
        }
        chosen: list[str] = []
        while len(chosen) < size:
            project = _pick(self.rng, weights)
            chosen.append(project)
            del weights[project]
        return chosen

    def account(self) -> str:
        self.next_account += 1
        return f"acct{self.next_account}"

    def phone(self, at: datetime, account: str, number: int, registered: bool) -> None:
        block = number // 100
        if block not in self.block_of:
            digest = hmac.new(self.key, f"04{block:06}".encode(), hashlib.sha256)
            self.block_of[block] = digest.hexdigest()[:16]
        self.events.append(PhoneShared(at, account, number, True, registered))

    # -- attacks ---------------------------------------------------------------------------

    def attack_day(self, fraction: float) -> datetime:
        return OPENING + timedelta(days=min(self.days - 1, int(self.days * fraction)))

    def bought_votes(self) -> Attack:
        start = self.attack_day(0.3).replace(hour=14, minute=20)
        # A project of middling popularity in a small district: where 300 votes weigh most.
        project = sorted(
            (p for p in self.projects if p.startswith("din")), key=self.popularity.__getitem__
        )[2]
        district, source = "dinant", "poster"
        for _ in range(300):
            at = start + timedelta(minutes=self.rng.triangular(0, 70, 30))
            account = self.account()
            consented = at - timedelta(minutes=self.rng.uniform(1, 4))
            registered = consented + (at - consented) * self.rng.uniform(0.3, 0.9)
            self.phone(registered, account, self.rng.randrange(10**8), registered=True)
            self.events.append(Cast(at, consented, True, source, district, (project,)))
        return Attack(
            "300 bought votes for one project in an hour",
            start,
            start + timedelta(minutes=70),
            {
                (AlarmKind.SINGLE_PROJECT_WAVE, project),
                (AlarmKind.SOURCE_BURST, source),
                (AlarmKind.DISTRICT_BURST, district),
            },
            300,
        )

    def sim_cards(self) -> Attack:
        start = self.attack_day(0.5).replace(hour=9)
        first = self.rng.randrange(10**8 - 200)
        project = self.projects[len(self.projects) // 2]
        for offset in range(200):
            registered = start + timedelta(minutes=self.rng.uniform(0, 240))
            account = self.account()
            consented = registered - timedelta(minutes=self.rng.uniform(1, 3))
            self.phone(registered, account, first + offset, registered=True)
            district = _pick(self.rng, DISTRICTS)
            others = [p for p in self.ballot(district, 3) if p != project][:2]
            self.events.append(
                Cast(
                    registered + timedelta(minutes=self.rng.uniform(1, 3)),
                    consented,
                    True,
                    _pick(self.rng, SOURCES),
                    district,
                    (project, *others),
                )
            )
        blocks = {self.block_of[(first + offset) // 100] for offset in range(200)}
        return Attack(
            "200 consecutive SIM numbers in four hours",
            start,
            start + timedelta(hours=4),
            {(AlarmKind.NUMBER_RUN, block) for block in blocks},
            200,
        )

    def many_numbers(self) -> Attack:
        start = self.attack_day(0.8).replace(hour=21, minute=10)
        account = self.account()
        for attempt in range(20):
            at = start + timedelta(seconds=75 * attempt)
            self.phone(at, account, self.rng.randrange(10**8), registered=attempt == 19)
        return Attack(
            "one account trying 20 numbers",
            start,
            start + timedelta(seconds=75 * 19),
            {(AlarmKind.ACCOUNT_NUMBERS, account)},
            1,
        )


def simulate(seed: int, voters: int, days: int) -> Vote:
    simulation = Simulation(seed, voters, days)
    honest = simulation.honest()
    attacks = [simulation.bought_votes(), simulation.sim_cards(), simulation.many_numbers()]
    events = sorted(simulation.events, key=lambda event: event.at)
    return Vote(events, attacks, honest, simulation.block_of)


T = TypeVar("T")


def _pick(rng: random.Random, weights: dict[T, float]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


# -- the bot's side: recording and checking ------------------------------------------------


class Store:
    """The counts as the database would keep them: a sum per (tally, key, bucket)."""

    def __init__(self, thresholds: IntegrityThresholds) -> None:
        self.buckets: dict[Tally, list[datetime]] = defaultdict(list)
        self.rows: dict[Tally, dict[datetime | None, dict[str, Count]]] = defaultdict(dict)
        # Accounts are read only once they tried enough numbers to matter, as SQL's HAVING
        # would leave the others out.
        self.at_least = thresholds.account_min_numbers
        self.numbers: dict[str, list[Count]] = defaultdict(list)

    def add(self, counts: Iterable[Count]) -> None:
        for count in counts:
            if count.tally is Tally.NUMBERS_BY_ACCOUNT:
                self.numbers[count.key].append(count)
                continue
            rows = self.rows[count.tally]
            if count.bucket not in rows:
                rows[count.bucket] = {}
                if count.bucket is not None:
                    bisect.insort(self.buckets[count.tally], count.bucket)
            row = rows[count.bucket].get(count.key)
            n = count.n + (row.n if row else 0)
            rows[count.bucket][count.key] = Count(count.tally, count.key, count.bucket, n)

    def read(self, since: dict[Tally, datetime | None]) -> list[Count]:
        counts: list[Count] = []
        for tally, oldest in since.items():
            if tally is Tally.NUMBERS_BY_ACCOUNT:
                for tried in self.numbers.values():
                    if len(tried) >= self.at_least:
                        counts.extend(tried)
                continue
            rows = self.rows[tally]
            if tally not in self.buckets:
                for row in rows.values():
                    counts.extend(row.values())
                continue
            buckets = self.buckets[tally]
            first = 0 if oldest is None else bisect.bisect_left(buckets, oldest)
            for bucket in buckets[first:]:
                counts.extend(rows[bucket].values())
        return counts


@dataclass
class Outcome:
    vote: Vote
    alarms: dict[str, Alarm]
    checks: int
    seconds: float

    def explained_by(self, alarm: Alarm) -> Attack | None:
        for attack in self.vote.attacks:
            near = attack.start - timedelta(hours=1) <= alarm.first_seen
            near = near and alarm.first_seen <= attack.end + timedelta(days=1)
            if (alarm.kind, alarm.key) in attack.keys and near:
                return attack
        return None

    @property
    def duplicates(self) -> int:
        """Alarms raised again for a pattern another alarm was already following."""
        twice = 0
        for alarm in self.alarms.values():
            twice += any(
                other is not alarm
                and (other.kind, other.key) == (alarm.kind, alarm.key)
                and other.first_seen < alarm.first_seen <= other.last_seen
                for other in self.alarms.values()
            )
        return twice

    @property
    def false_alarms(self) -> list[Alarm]:
        return [alarm for alarm in self.alarms.values() if self.explained_by(alarm) is None]

    def caught(self, attack: Attack) -> list[Alarm]:
        return sorted(
            (alarm for alarm in self.alarms.values() if self.explained_by(alarm) is attack),
            key=lambda alarm: alarm.first_seen,
        )


def run(vote: Vote, thresholds: IntegrityThresholds, days: int, processes: int = 1) -> Outcome:
    """Record every event as the bot would, and check every 5 minutes in each of the bot's
    processes, their checks spread evenly; each has its own watch, all share the alarms."""
    started = time.perf_counter()
    store = Store(thresholds)
    watches = [IntegrityWatch(thresholds) for _ in range(processes)]
    alarms: dict[str, Alarm] = {}
    numbers_tried: dict[str, set[int]] = defaultdict(set)
    events = iter(vote.events)
    pending = next(events, None)
    now, end, checks = OPENING.astimezone(UTC), (OPENING + timedelta(days=days + 1)), 0
    while now <= end:
        while pending is not None and pending.at <= now:
            store.add(record(pending, vote, thresholds, numbers_tried))
            pending = next(events, None)
        watch = watches[checks % processes]
        for alarm in watch.check(store.read(watch.reads_since(now)), now, alarms.values()):
            alarms[alarm.identity] = alarm
        checks += 1
        now += CHECK_EVERY / processes
    return Outcome(vote, alarms, checks, time.perf_counter() - started)


def record(
    event: Event,
    vote: Vote,
    thresholds: IntegrityThresholds,
    numbers_tried: dict[str, set[int]],
) -> list[Count]:
    if isinstance(event, Cast):
        return counts_at_cast(
            event.at,
            first=event.first,
            source=event.source,
            district=event.district,
            consented_at=event.consented_at,
            project_ids=event.project_ids,
            thresholds=thresholds,
        )
    # The bot keeps, with the account, which numbers it tried (a short tag of each would do).
    tried = numbers_tried[event.account]
    new_number = event.new_number and event.number not in tried
    tried.add(event.number)
    return counts_at_phone(
        event.at,
        account=event.account,
        block=vote.block_of.get(event.number // 100, ""),
        new_number=new_number,
        registered=event.registered,
        thresholds=thresholds,
    )


# -- the report ------------------------------------------------------------------------------


def local(moment: datetime) -> str:
    return moment.astimezone(ZONE).strftime("%a %d %b %H:%M")


def describe(alarm: Alarm) -> str:
    counted = f"{alarm.observed}" if alarm.total is None else f"{alarm.observed} of {alarm.total}"
    expected = "" if alarm.expected is None else f", {alarm.expected:.1f} expected"
    end = alarm.end.astimezone(ZONE)
    same_day = end.date() == alarm.start.astimezone(ZONE).date()
    until = f"{end:%H:%M}" if same_day else local(end)
    return (
        f"{alarm.kind} {alarm.key or '(no link)'}: {counted}{expected}, "
        f"{local(alarm.start)}-{until}"
    )


def report(outcome: Outcome, seed: int, days: int, processes: int) -> str:
    vote = outcome.vote
    rows = [
        f"{vote.honest_voters} honest voters over {days} days (seed {seed}); checked every "
        f"{CHECK_EVERY.seconds // 60} minutes by each of {processes} process(es), "
        f"{outcome.checks} checks in {outcome.seconds:.1f} s",
        "",
        f"{'attack':<45} {'started':<16} {'detected':<16} {'after':>7}  first alarm",
    ]
    for attack in vote.attacks:
        caught = outcome.caught(attack)
        if caught:
            delay = (caught[0].first_seen - attack.start).total_seconds() / 60
            rows.append(
                f"{attack.name:<45} {local(attack.start):<16} "
                f"{local(caught[0].first_seen):<16} {delay:>5.0f} m  {describe(caught[0])}"
            )
            rows += [f"{'':>87}also {describe(alarm)}" for alarm in caught[1:]]
        else:
            rows.append(f"{attack.name:<45} {local(attack.start):<16} {'NOT DETECTED':<16}")
    rows.append("")
    false_alarms = outcome.false_alarms
    rows.append(f"false alarms: {len(false_alarms)}; alarms raised twice: {outcome.duplicates}")
    rows += [f"  raised {local(alarm.first_seen)}: {describe(alarm)}" for alarm in false_alarms]
    return "\n".join(rows)


def summary(outcome: Outcome, seed: int, days: int, processes: int) -> dict[str, Any]:
    detected = [attack for attack in outcome.vote.attacks if outcome.caught(attack)]
    return {
        "honest_voters": outcome.vote.honest_voters,
        "days": days,
        "seed": seed,
        "attacks": len(outcome.vote.attacks),
        "attacks_detected": len(detected),
        "false_alarms": len(outcome.false_alarms),
        "alarms": len(outcome.alarms),
        "duplicate_alarms": outcome.duplicates,
        "processes": processes,
        "minutes_to_detect": {
            attack.name: round(
                (outcome.caught(attack)[0].first_seen - attack.start).total_seconds() / 60
            )
            for attack in detected
        },
        "checks": outcome.checks,
        "seconds": round(outcome.seconds, 2),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.integrity", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument("--voters", type=int, default=DEFAULT_VOTERS, help="default 5000")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="default 10")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="default 1")
    parser.add_argument(
        "--processes", type=int, default=1, help="bot processes checking in turn (default 1)"
    )
    args = parser.parse_args(argv)
    if args.voters < 1:
        parser.error("--voters must be at least 1")
    if args.days < 1:
        parser.error("--days must be at least 1")
    if args.processes < 1:
        parser.error("--processes must be at least 1")
    vote = simulate(args.seed, args.voters, args.days)
    outcome = run(vote, IntegrityThresholds(), args.days, args.processes)
    print(report(outcome, args.seed, args.days, args.processes), flush=True)
    print(json.dumps(summary(outcome, args.seed, args.days, args.processes)), flush=True)


if __name__ == "__main__":
    main()
