"""The audit log as a hash chain: each entry is sealed with the hash of the one before it, so
that an entry changed, removed, inserted or moved afterwards shows, and a head noted down
earlier (its count and hash, published in the weekly report say) shows a chain rewritten whole.

How an entry is sealed, so that anyone holding an export of the log can check it:

1. Its content is written as JSON, keys sorted, no spaces (separators "," and ":"), non-ASCII
   characters as they are, encoded in UTF-8, with these keys: "sequence" (1, 2, 3... in the
   order the entries were written), "actor" (the staff member's Telegram id; 0 for the command
   line), "action", "subject", "before" and "after" (the values the action changed, or null),
   "at" (the time in UTC, ISO 8601 with microseconds: "2027-02-15T11:00:00.000000+00:00").
2. Its hash is the SHA-256, in lowercase hexadecimal, of the previous entry's hash (64
   characters; 64 zeros before the first entry) followed directly by that JSON:
   `hashlib.sha256((previous + json).encode("utf-8")).hexdigest()`.
3. The head of the log is its number of entries and the hash of the last one.

A chain is checked from the first entry on; it breaks at the first entry that is not where it
should be (a number skipped: entries removed), that does not follow the one before it (its
previous hash is another: entries reordered or inserted), or whose content no longer gives its
hash (it was changed)."""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

GENESIS = "0" * 64
HASH_LENGTH = 64
# The actor of what is done from the command line (no Telegram account).
COMMAND_LINE = 0


@dataclass(frozen=True)
class Entry:
    """What one entry says, as the database holds it."""

    sequence: int
    actor: int
    action: str
    subject: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    at: datetime

    def canonical(self) -> str:
        if self.at.tzinfo is None:
            raise ValueError("an audit entry's time must say its time zone")
        content = {
            "sequence": self.sequence,
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "before": self.before,
            "after": self.after,
            "at": self.at.astimezone(UTC).isoformat(timespec="microseconds"),
        }
        return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def seal(self, previous_hash: str) -> str:
        """This entry's hash, following the entry whose hash is `previous_hash`."""
        return hashlib.sha256((previous_hash + self.canonical()).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Link:
    """An entry with the two hashes stored beside it."""

    entry: Entry
    previous_hash: str
    hash: str


class Fault(StrEnum):
    CHANGED = "changed"  # its content no longer gives its hash
    MISSING = "missing"  # numbers are skipped: entries were removed
    MISPLACED = "misplaced"  # it does not follow the entry before it: reordered or inserted


@dataclass(frozen=True)
class Break:
    """Where the chain breaks: the entry found at the place of entry `expected`."""

    expected: int
    found: int
    fault: Fault


@dataclass(frozen=True)
class Head:
    count: int
    hash: str


@dataclass(frozen=True)
class Verdict:
    """`head` is the last entry checked (the log's head when the chain is intact); with a head
    noted earlier, `noted_at` is the entry that has it, None if no entry checked has it."""

    head: Head | None
    broken: Break | None = None
    noted: str | None = None
    noted_at: int | None = None

    @property
    def intact(self) -> bool:
        return self.broken is None and (self.noted is None or self.noted_at is not None)


class Walk:
    """A chain checked one entry at a time, oldest first, so that a long log is never held
    whole in memory: feed `step` until it returns False, then read `verdict`."""

    def __init__(self, noted: str | None = None) -> None:
        self.noted = noted
        self._noted_at: int | None = None
        self._previous = GENESIS
        self._head: Head | None = None
        self._broken: Break | None = None

    def step(self, link: Link) -> bool:
        """Check one more entry; False once the chain has broken (later entries prove
        nothing)."""
        if self._broken is not None:
            return False
        expected = self._head.count + 1 if self._head else 1
        entry = link.entry
        fault = None
        if entry.sequence != expected:
            fault = Fault.MISSING if entry.sequence > expected else Fault.MISPLACED
        elif link.previous_hash != self._previous:
            fault = Fault.MISPLACED
        elif entry.seal(link.previous_hash) != link.hash:
            fault = Fault.CHANGED
        if fault is not None:
            self._broken = Break(expected, entry.sequence, fault)
            return False
        self._previous = link.hash
        self._head = Head(entry.sequence, link.hash)
        if self.noted is not None and link.hash == self.noted and self._noted_at is None:
            self._noted_at = entry.sequence
        return True

    def verdict(self) -> Verdict:
        return Verdict(self._head, self._broken, self.noted, self._noted_at)


def verify(links: Iterable[Link], noted: str | None = None) -> Verdict:
    walk = Walk(noted)
    for link in links:
        if not walk.step(link):
            break
    return walk.verdict()


def is_hash(text: str) -> bool:
    return len(text) == HASH_LENGTH and all(c in "0123456789abcdef" for c in text)


def change_summary(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, width: int = 60
) -> str:
    """What an entry changed, short: "status: submitted → status: published"; "" if it
    records no values."""
    if before is None and after is None:
        return ""
    if before is None or after is None:
        # The side that records nothing leaves its room to the other.
        side = width - 4
        return f"{_short(before, side)} → {_short(after, side)}"
    half = (width - 3) // 2
    return f"{_short(before, half)} → {_short(after, half)}"


def _short(values: Mapping[str, Any] | None, width: int) -> str:
    if values is None:
        return "–"
    text = ", ".join(
        f"{key}: {value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)}"
        for key, value in sorted(values.items())
    )
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
