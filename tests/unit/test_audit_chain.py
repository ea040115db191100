"""The audit log's chain as budget/audit_chain.py documents it, so that anyone can check it."""

import hashlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from budget.audit_chain import GENESIS, Break, Entry, Fault, Link, change_summary, verify

ENTRY = Entry(
    sequence=1,
    actor=900001,
    action="staff_add",
    subject="member:42",
    before=None,
    after={"role": "modérateur"},
    at=datetime(2027, 2, 15, 12, 30, tzinfo=ZoneInfo("Europe/Brussels")),
)


def chain(*entries: Entry) -> list[Link]:
    links, previous = [], GENESIS
    for entry in entries:
        links.append(Link(entry, previous, entry.seal(previous)))
        previous = links[-1].hash
    return links


def test_an_entry_is_sealed_as_documented() -> None:
    written = (
        '{"action":"staff_add","actor":900001,"after":{"role":"modérateur"},'
        '"at":"2027-02-15T11:30:00.000000+00:00","before":null,"sequence":1,'
        '"subject":"member:42"}'
    )
    assert ENTRY.canonical() == written
    assert ENTRY.seal(GENESIS) == hashlib.sha256((GENESIS + written).encode()).hexdigest()


def test_a_time_without_its_zone_is_refused() -> None:
    naive = Entry(1, 1, "a", "b", None, None, datetime(2027, 2, 15, 12, 30))
    with pytest.raises(ValueError, match="time zone"):
        naive.seal(GENESIS)


def test_a_chain_that_does_not_start_at_its_first_entry_is_broken() -> None:
    second = Entry(2, 1, "a", "b", None, None, datetime(2027, 2, 15, tzinfo=UTC))
    [first, later] = chain(ENTRY, second)
    assert verify([later]).broken == Break(expected=1, found=2, fault=Fault.MISSING)
    renumbered = Entry(1, 1, "a", "b", None, None, second.at)
    moved_up = Link(renumbered, first.hash, renumbered.seal(first.hash))
    assert verify([moved_up]).broken == Break(expected=1, found=1, fault=Fault.MISPLACED)
    assert verify([first, later]).intact


def test_a_change_is_summed_up_in_one_short_line() -> None:
    assert change_summary(None, None) == ""
    assert change_summary({"status": "submitted"}, {"status": "published"}) == (
        "status: submitted → status: published"
    )
    assert change_summary(None, {"reason": "x" * 200, "ok": True}) == (
        "– → ok: true, reason: " + "x" * 37 + "…"
    )
