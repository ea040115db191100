"""Integrity alarms against organised voting, from aggregates that name no voter.

Bought votes ("100 votes for 100 dollars"), SIM cards bought in bulk and new accounts voting
for one project in waves leave traces in counts: a deep link or a district bringing far more
first ballots than its usual share, one project getting the single-project ballots of many
accounts that consented minutes before, many registrations from one block of consecutive
phone numbers, one account trying many numbers. The ballot is secret, also at rest, so the
alarms read counts recorded at the moment of registering or casting, never ballots joined to
voters.

What is counted, and when (each count is one more event for a key, in a bucket of time):

- at a voter's first cast (not a change): one first ballot for its deep-link source, and one
  for its district;
- at every cast (first or changed) by an account whose consent is less than
  `new_account_minutes` old, when the ballot holds exactly one project: one for that
  project. This count has no time: a running total per project. A time-stamped count per
  project would tell, at night when one new account votes in a bucket, which project that
  account chose alone, since the account's consent and registration are stored with their
  times. The total says no more than the tally of the vote itself; the time of a wave is
  found by the `IntegrityWatch` comparing the totals it reads from one check to the next, in
  memory only;
- at a phone registration accepted: one for the number's block (the number without its last
  two digits), given as an opaque keyed fingerprint;
- at every number an account tries to register with (accepted or refused), the first time
  it tries that number: one for the account.

`counts_at_cast` and `counts_at_phone` say what to add; `IntegrityWatch.check` reads the
stored counts and the alarms already raised and returns the alarms raised or updated.
"""

import math
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

# Buckets are counted from here, in UTC: every process cuts time at the same instants.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class IntegrityThresholds:
    """When a count becomes an alarm; an edition's `[integrity]` table sets them.

    Bursts and waves compare shares, so they scale with the edition (`bench/integrity.py`
    simulates votes of 1 000 to 50 000 voters); the minimum counts keep a quiet night from
    raising anything."""

    # The grain of the stored counts. Ten minutes: a wave of an hour spans six buckets, and
    # a day is 144 rows per key at most.
    bucket_minutes: int = 10
    # An account is new for this long after its consent. Honest newcomers consent minutes
    # before voting (the bot is new to them), so being new is no alarm by itself; bought
    # accounts are created for the vote and cast at once.
    new_account_minutes: int = 60
    # Bursts of first ballots from one source or district: the last hour, against that key's
    # share of the first ballots over the week before it. A reminder raises every source and
    # district at once and leaves the shares as they were.
    burst_window_minutes: int = 60
    burst_baseline_days: int = 7
    # Under 30 first ballots in an hour from one key, nothing is worth a staff member's
    # time, and a deep link seen for the first time may honestly bring a few dozen.
    burst_min_ballots: int = 30
    # Single-project waves: the last hour of single-project ballots cast by new accounts,
    # against each project's share of them before that hour.
    wave_window_minutes: int = 60
    # 30 ballots for one project in an hour from accounts minutes old, each choosing that
    # project alone: more than the busiest hour of a town of 5 000 voters brings any project
    # (two or three), and the tenth of a bought wave of 300.
    wave_min_ballots: int = 30
    # How far a share may honestly move within an hour: the mayor's letter is read in the
    # morning, Facebook in the evening, a group of friends shares one link. An alarm needs
    # more than `drift` times the usual share, beyond chance.
    drift: float = 2.0
    # The probability below which a count above `drift` times its usual share is not put
    # down to chance: one in a million, as the check runs some 300 times a day over dozens
    # of keys.
    chance: float = 1e-6
    # Runs of numbers: registrations from one block of 100 consecutive numbers within a day.
    # Honest numbers are spread over a national range (some 10^8 in Belgium): two voters in
    # one block in a day is rare, a family plan brings four or five; ten is a bulk purchase
    # (or a company's phones, which staff can tell).
    run_window_hours: int = 24
    run_min_registrations: int = 10
    # One account, many numbers: an account shares its own number, once; a relative's
    # contact forwarded by mistake, or a new SIM, makes two or three. Five is a pattern.
    account_min_numbers: int = 5

    def fault(self) -> tuple[str, str] | None:
        """The first field that makes these thresholds unusable, with the reason."""
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name == "drift":
                if value < 1:
                    return item.name, "must be at least 1"
            elif item.name == "chance":
                if not 0 < value < 1:
                    return item.name, "must be between 0 and 1"
            elif value < 1:
                return item.name, "must be at least 1"
        if 1440 % self.bucket_minutes:
            return "bucket_minutes", "must divide a day (1440 minutes): 5, 10, 15, 30, 60..."
        for name in ("burst_window_minutes", "wave_window_minutes"):
            if getattr(self, name) % self.bucket_minutes:
                return name, f"must be a multiple of bucket_minutes ({self.bucket_minutes})"
        return None

    @property
    def bucket(self) -> timedelta:
        return timedelta(minutes=self.bucket_minutes)


def bucket_start(moment: datetime, thresholds: IntegrityThresholds) -> datetime:
    """The start of the bucket holding `moment` (an aware datetime), in UTC."""
    size = thresholds.bucket
    return EPOCH + (moment.astimezone(UTC) - EPOCH) // size * size


# -- what is counted ---------------------------------------------------------------------------


class Tally(StrEnum):
    """A kind of count: events per key, per bucket of time (but NEW_SINGLE_PROJECT)."""

    FIRST_BALLOTS_BY_SOURCE = "first_ballots_by_source"
    FIRST_BALLOTS_BY_DISTRICT = "first_ballots_by_district"
    # Running totals per project, no time: see the module's documentation.
    NEW_SINGLE_PROJECT = "new_single_project"
    REGISTRATIONS_BY_BLOCK = "registrations_by_block"
    NUMBERS_BY_ACCOUNT = "numbers_by_account"


@dataclass(frozen=True)
class Count:
    """`n` events of `tally` for `key` in the bucket starting at `bucket` (None: no time).

    Recording returns counts of 1 to add; the storage keeps their sums per (tally, key,
    bucket) and hands them back to `IntegrityWatch.check`."""

    tally: Tally
    key: str
    bucket: datetime | None
    n: int = 1


def counts_at_cast(
    at: datetime,
    *,
    first: bool,
    source: str | None,
    district: str | None,
    consented_at: datetime,
    project_ids: Collection[str],
    thresholds: IntegrityThresholds,
) -> list[Count]:
    """What a cast ballot adds. `first`: the voter's first cast (not a change); `source`: the
    deep link the account came by ("" or None: none); `district`: the voter's, if asked;
    `consented_at`: when the account consented to the bot."""
    bucket = bucket_start(at, thresholds)
    counts = []
    if first:
        counts.append(Count(Tally.FIRST_BALLOTS_BY_SOURCE, source or "", bucket))
        if district:
            counts.append(Count(Tally.FIRST_BALLOTS_BY_DISTRICT, district, bucket))
    # Every cast of the first hour, not only the first: casting another ballot first and
    # changing it to the bought project minutes later must not escape the count.
    new = at - consented_at < timedelta(minutes=thresholds.new_account_minutes)
    if new and len(set(project_ids)) == 1:
        counts.append(Count(Tally.NEW_SINGLE_PROJECT, str(next(iter(project_ids))), None))
    return counts


def counts_at_phone(
    at: datetime,
    *,
    account: str,
    block: str,
    new_number: bool,
    registered: bool,
    thresholds: IntegrityThresholds,
) -> list[Count]:
    """What a phone number shared to register adds. `account`: an opaque id of the Telegram
    account; `block`: a keyed fingerprint of the number without its last two digits;
    `new_number`: the account had not tried this number before; `registered`: the number
    was accepted and the voter registered with it."""
    bucket = bucket_start(at, thresholds)
    counts = []
    if registered:
        counts.append(Count(Tally.REGISTRATIONS_BY_BLOCK, block, bucket))
    if new_number:
        counts.append(Count(Tally.NUMBERS_BY_ACCOUNT, account, bucket))
    return counts


# -- alarms ------------------------------------------------------------------------------------


class AlarmKind(StrEnum):
    SOURCE_BURST = "source_burst"
    DISTRICT_BURST = "district_burst"
    SINGLE_PROJECT_WAVE = "single_project_wave"
    NUMBER_RUN = "number_run"
    ACCOUNT_NUMBERS = "account_numbers"


@dataclass(frozen=True)
class Alarm:
    """A pattern seen in the counts: its kind and key (a source, a district code, a project
    id, a block fingerprint, an account), the window where it was strongest, what was counted
    there and what was expected from the key's usual share (None where there is no usual
    share: a block, an account), and the total of all keys in that window (None for an
    account, tried numbers over the whole edition).

    `first_seen` is the check that raised it, `last_seen` the last check that still saw it
    (for an account: the last check at which its count grew). The same pattern keeps its
    identity while it lasts: each check that still sees it updates the alarm (a bigger window
    replaces the one kept); once its key has been quiet for a whole window, a new wave there
    raises a new alarm. An account is raised once, and updated as it tries more numbers."""

    kind: AlarmKind
    key: str
    start: datetime
    end: datetime
    observed: int
    expected: float | None
    total: int | None
    first_seen: datetime
    last_seen: datetime
    # Kind, key and the bucket of first_seen ("single_project_wave/p7/2027-04-18T14:30Z"),
    # or kind and account: processes checking within one bucket name a pattern alike.
    identity: str


@dataclass(frozen=True)
class _Finding:
    """One key firing at this check, before it is matched with the alarms already raised."""

    kind: AlarmKind
    key: str
    start: datetime
    end: datetime
    observed: int
    expected: float | None
    total: int | None


class IntegrityWatch:
    """Turns the stored counts into alarms, at every check (every few minutes).

    It holds no alarm of its own: the alarms already raised are handed in. It remembers, in
    memory only, the running totals of single-project ballots it read at its recent checks,
    to find the hour in which a project's total jumped; a process that has just started sees
    waves once it has checked for a while (a bucket at least, a window in full)."""

    def __init__(self, thresholds: IntegrityThresholds) -> None:
        self.thresholds = thresholds
        self._totals: list[tuple[datetime, dict[str, int]]] = []

    def reads_since(self, now: datetime) -> dict[Tally, datetime | None]:
        """The oldest bucket `check` reads, per tally (None: every bucket): the storage may
        leave older counts out. It may also leave out the accounts whose numbers add up to
        fewer than `account_min_numbers` (SQL's HAVING): they raise nothing."""
        t = self.thresholds
        window_start = bucket_start(now, t) - (_buckets(t.burst_window_minutes, t) - 1) * t.bucket
        return {
            Tally.FIRST_BALLOTS_BY_SOURCE: window_start - timedelta(days=t.burst_baseline_days),
            Tally.FIRST_BALLOTS_BY_DISTRICT: window_start - timedelta(days=t.burst_baseline_days),
            Tally.NEW_SINGLE_PROJECT: None,
            Tally.REGISTRATIONS_BY_BLOCK: bucket_start(now, t)
            - (_buckets(t.run_window_hours * 60, t) - 1) * t.bucket,
            Tally.NUMBERS_BY_ACCOUNT: None,
        }

    def check(
        self, counts: Iterable[Count], now: datetime, raised: Iterable[Alarm] = ()
    ) -> list[Alarm]:
        """The alarms raised or changed at `now`. Those whose identity is not among `raised`
        are new (tell the admins); the others replace the raised alarm of the same identity."""
        by_tally: dict[Tally, list[Count]] = {tally: [] for tally in Tally}
        for count in counts:
            by_tally[count.tally].append(count)
        t = self.thresholds
        findings = [
            *self._bursts(by_tally[Tally.FIRST_BALLOTS_BY_SOURCE], AlarmKind.SOURCE_BURST, now),
            *self._bursts(by_tally[Tally.FIRST_BALLOTS_BY_DISTRICT], AlarmKind.DISTRICT_BURST, now),
            *self._waves(by_tally[Tally.NEW_SINGLE_PROJECT], now),
            *self._runs(by_tally[Tally.REGISTRATIONS_BY_BLOCK], now),
            *self._accounts(by_tally[Tally.NUMBERS_BY_ACCOUNT]),
        ]
        latest: dict[tuple[AlarmKind, str], Alarm] = {}
        for alarm in raised:
            known = latest.get((alarm.kind, alarm.key))
            if known is None or alarm.last_seen > known.last_seen:
                latest[(alarm.kind, alarm.key)] = alarm
        changed = []
        for finding in findings:
            before = latest.get((finding.kind, finding.key))
            alarm = _merge(finding, before, now, t)
            if alarm != before:
                changed.append(alarm)
        return changed

    # -- the detectors ---------------------------------------------------------------------

    def _bursts(self, counts: list[Count], kind: AlarmKind, now: datetime) -> list[_Finding]:
        """Keys whose first ballots in the window stand far above their usual share.

        The key's usual odds against all the others (over the baseline before the window)
        times the others' first ballots in the window is what the key should have brought;
        a reminder that doubles everyone's participation doubles both. Laplace's +1 gives a
        key never seen before small odds: hundreds of ballots from a brand-new link stand
        out, and a first hour with no baseline compares keys as equals."""
        t = self.thresholds
        window_start = bucket_start(now, t) - (_buckets(t.burst_window_minutes, t) - 1) * t.bucket
        baseline_start = window_start - timedelta(days=t.burst_baseline_days)
        window: dict[str, int] = defaultdict(int)
        baseline: dict[str, int] = defaultdict(int)
        for count in counts:
            if count.bucket is None or count.bucket < baseline_start:
                continue
            if count.bucket >= window_start:
                window[count.key] += count.n
            else:
                baseline[count.key] += count.n
        # A share needs two keys to compare: an edition with one district has no bursts.
        if len(window.keys() | baseline.keys()) < 2:
            return []
        window_total, baseline_total = sum(window.values()), sum(baseline.values())
        findings = []
        for key, observed in window.items():
            if observed < t.burst_min_ballots:
                continue
            odds = (baseline[key] + 1) / (baseline_total - baseline[key] + 1)
            expected = odds * (window_total - observed)
            if _beyond_drift(observed, window_total, odds, t):
                findings.append(
                    _Finding(kind, key, window_start, now, observed, expected, window_total)
                )
        return findings

    def _waves(self, counts: list[Count], now: datetime) -> list[_Finding]:
        """Projects whose single-project ballots from new accounts jumped within the window,
        far above their share of such ballots before it (the same test as bursts)."""
        t = self.thresholds
        totals: dict[str, int] = defaultdict(int)
        for count in counts:
            totals[count.key] += count.n
        if not self._totals or now > self._totals[-1][0]:
            self._totals.append((now, dict(totals)))
        # Compare with the latest check a whole window ago, or the oldest one remembered.
        horizon = now - timedelta(minutes=t.wave_window_minutes)
        older = [index for index, (moment, _) in enumerate(self._totals) if moment <= horizon]
        del self._totals[: older[-1] if older else 0]
        since, before = self._totals[0]
        if now - since < t.bucket:
            return []
        grown = {key: total - before.get(key, 0) for key, total in totals.items()}
        window_total, before_total = sum(grown.values()), sum(before.values())
        findings = []
        for key, observed in grown.items():
            if observed < t.wave_min_ballots:
                continue
            prior = before.get(key, 0)
            odds = (prior + 1) / (before_total - prior + 1)
            expected = odds * (window_total - observed)
            if _beyond_drift(observed, window_total, odds, t):
                findings.append(
                    _Finding(
                        AlarmKind.SINGLE_PROJECT_WAVE,
                        key,
                        since,
                        now,
                        observed,
                        expected,
                        window_total,
                    )
                )
        return findings

    def _runs(self, counts: list[Count], now: datetime) -> list[_Finding]:
        """Blocks of 100 consecutive numbers with many registrations within the window; the
        alarm's window runs from the block's first registration in it to now."""
        t = self.thresholds
        window_start = bucket_start(now, t) - (_buckets(t.run_window_hours * 60, t) - 1) * t.bucket
        window: dict[str, int] = defaultdict(int)
        first: dict[str, datetime] = {}
        for count in counts:
            if count.bucket is not None and count.bucket >= window_start:
                window[count.key] += count.n
                first[count.key] = min(first.get(count.key, count.bucket), count.bucket)
        total = sum(window.values())
        return [
            _Finding(AlarmKind.NUMBER_RUN, key, first[key], now, observed, None, total)
            for key, observed in window.items()
            if observed >= t.run_min_registrations
        ]

    def _accounts(self, counts: list[Count]) -> list[_Finding]:
        """Accounts that tried many distinct numbers, over the whole edition."""
        t = self.thresholds
        numbers: dict[str, int] = defaultdict(int)
        for count in counts:
            numbers[count.key] += count.n
        many = {key for key, total in numbers.items() if total >= t.account_min_numbers}
        buckets: dict[str, list[datetime]] = defaultdict(list)
        for count in counts:
            if count.key in many and count.bucket is not None:
                buckets[count.key].append(count.bucket)
        return [
            _Finding(
                AlarmKind.ACCOUNT_NUMBERS,
                key,
                min(buckets[key]),
                max(buckets[key]) + t.bucket,
                numbers[key],
                None,
                None,
            )
            for key in many
            if buckets[key]
        ]


def _merge(finding: _Finding, before: Alarm | None, now: datetime, t: IntegrityThresholds) -> Alarm:
    """The alarm a finding raises, or the raised one it continues, updated."""
    seen = bucket_start(now, t)
    identity = f"{finding.kind}/{finding.key}"
    if finding.kind is not AlarmKind.ACCOUNT_NUMBERS:
        identity += f"/{seen:%Y-%m-%dT%H:%MZ}"
    fresh = Alarm(
        kind=finding.kind,
        key=finding.key,
        start=finding.start,
        end=finding.end,
        observed=finding.observed,
        expected=finding.expected,
        total=finding.total,
        first_seen=now,
        last_seen=now,
        identity=identity,
    )
    if before is None:
        return fresh
    if finding.kind is AlarmKind.ACCOUNT_NUMBERS:
        if finding.observed == before.observed:
            return before
        return replace(fresh, first_seen=before.first_seen, identity=before.identity)
    if now - before.last_seen > _window(finding.kind, t):
        return fresh
    kept = before if before.observed >= finding.observed else fresh
    return replace(kept, first_seen=before.first_seen, last_seen=now, identity=before.identity)


def _beyond_drift(observed: int, total: int, odds: float, t: IntegrityThresholds) -> bool:
    """Whether `observed` of the window's `total` is more than chance allows, even if the key's
    usual odds against the others had been multiplied by `drift`. Given the window's total,
    the key's count is binomial (Poisson's law, with the others' count as noisy as its own):
    a big district's share of a quiet hour is not mistaken for a burst."""
    drifted = t.drift * odds
    return binomial_tail(observed, total, drifted / (1 + drifted)) < t.chance


def _window(kind: AlarmKind, t: IntegrityThresholds) -> timedelta:
    minutes = {
        AlarmKind.SOURCE_BURST: t.burst_window_minutes,
        AlarmKind.DISTRICT_BURST: t.burst_window_minutes,
        AlarmKind.SINGLE_PROJECT_WAVE: t.wave_window_minutes,
        AlarmKind.NUMBER_RUN: t.run_window_hours * 60,
    }
    return timedelta(minutes=minutes[kind])


def _buckets(minutes: int, t: IntegrityThresholds) -> int:
    return max(1, minutes // t.bucket_minutes)


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X following a binomial law of n trials of probability p, summed in log
    space so that large windows neither underflow nor overflow."""
    if k <= 0 or p >= 1:
        return 1.0 if k <= n else 0.0
    if k > n or p <= 0:
        return 0.0
    if k <= n * p:
        # The terms below k fall away from k - 1 downwards: one minus their sum.
        return max(0.0, 1.0 - _binomial_sum(k - 1, n, p, step=-1))
    return _binomial_sum(k, n, p, step=1)


def _binomial_sum(start: int, n: int, p: float, step: int) -> float:
    """The sum of P(X = i) from i = start up to n (step 1) or down to 0 (step -1)."""
    log_pmf = (
        math.lgamma(n + 1)
        - math.lgamma(start + 1)
        - math.lgamma(n - start + 1)
        + start * math.log(p)
        + (n - start) * math.log1p(-p)
    )
    term, total, i = math.exp(log_pmf), 0.0, start
    odds = p / (1 - p)
    while 0 <= i <= n and term > 0 and term > total * 1e-17:
        total += term
        term = term * (n - i) / (i + 1) * odds if step > 0 else term * i / (n - i + 1) / odds
        i += step
    return total
