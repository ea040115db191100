"""Reading a pbbot database as someone who stole it would, to find out who voted for what.

Every table and every column is read. Two rows are joined when the database lets anyone join
them: a foreign key in either direction; the same identifier in columns of the same name; the
same timestamp, or timestamps in the same bucket of the integrity counts (10 minutes: a count
per bucket is joined to everything that happened in it); the same long text (a receipt, a
token, a key); a Telegram id written inside a text or stored JSON. Reference tables every row
points to (the edition, the projects) are not crossed: going through them joins everyone to
everything and says nothing of anyone.

From each voter's Telegram id, the rows reachable that way are collected, with every project id
they hold (in a `project_id` column, as a list of numbers in stored JSON, or as the item of an
integrity count or alarm that names a project). The ballot is not secret if, for some voter,
those project ids take in the whole of what they cast.

With the key, the sealed values the bot writes (a voter's ballot, the vote's envelope, the
answers recorded for updates) are opened first, as their owner could, and read the same way;
the accounts the integrity counts name by a keyed fingerprint are recognised, by computing the
fingerprint of every Telegram id the database holds."""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from budget.integrity import IntegrityThresholds, bucket_start
from storage.integrity import Integrity
from storage.sealing import Sealer, Unsealable

# Tables every row refers to: joining through them says nothing of anyone in particular.
REFERENCE_TABLES = frozenset({"editions", "projects", "alembic_version"})
# A text this long, the same in two rows, is an identifier rather than a word.
LONG_TEXT = 8
# Identifiers every row of their table shares (the bot's own id): they join nobody to anybody.
SHARED_BY_ALL = frozenset({"bot_id"})
NUMBER = re.compile(r"-?\d+")
# The integrity rows whose item is a project id: (table, column saying what is counted, value).
NAMES_A_PROJECT = {
    ("integrity_counts", "tally", "new_single_project"),
    ("integrity_alarms", "kind", "single_project_wave"),
}
# The integrity rows whose item may be an account's fingerprint.
NAMES_AN_ACCOUNT = {
    "integrity_counts": "item",
    "integrity_alarms": "item",
    "integrity_numbers": "account",
}
BUCKETS = IntegrityThresholds()
MOMENT = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d)?")


@dataclass
class Row:
    table: str
    values: dict[str, Any]
    # What can be read out of its texts: numbers, and the leaves of stored JSON.
    read: list[Any] = field(default_factory=list)

    def __hash__(self) -> int:
        return id(self)

    def project_ids(self) -> set[int]:
        found = set()
        if isinstance(self.values.get("project_id"), int):
            found.add(self.values["project_id"])
        for item in self.read:
            if isinstance(item, list) and item and all(isinstance(i, int) for i in item):
                found.update(item)
        for table, column, value in NAMES_A_PROJECT:
            if self.table == table and self.values.get(column) == value:
                found.add(int(self.values["item"]))
        return found

    def mentions(self, telegram_id: int) -> bool:
        if telegram_id in self.values.values():
            return True
        return any(item == telegram_id for item in self.read)


@dataclass
class Dump:
    rows: list[Row]
    foreign_keys: list[tuple[str, str, str, str]]


async def dump(engine: AsyncEngine) -> Dump:
    """Every row of every table, as stored."""

    def read(sync: Any) -> Dump:
        inspector = inspect(sync)
        rows: list[Row] = []
        foreign_keys = []
        for table in inspector.get_table_names():
            for key in inspector.get_foreign_keys(table):
                for column, referred in zip(
                    key["constrained_columns"], key["referred_columns"], strict=True
                ):
                    foreign_keys.append((table, column, key["referred_table"], referred))
            result = sync.execute(text(f'SELECT * FROM "{table}"'))
            for record in result.mappings():
                rows.append(Row(table, dict(record)))
        return Dump(rows, foreign_keys)

    async with engine.connect() as connection:
        found = await connection.run_sync(read)
    for row in found.rows:
        row.read = list(_read_texts(row.values.values()))
    return found


def _read_texts(values: Iterable[Any]) -> Iterable[Any]:
    for value in values:
        if isinstance(value, dict | list):
            yield from _leaves(value)
        elif isinstance(value, str):
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict | list):
                yield from _leaves(parsed)
            yield from (int(number) for number in NUMBER.findall(value))


def _leaves(value: Any) -> Iterable[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        yield value
        for item in value:
            yield from _leaves(item)
    else:
        yield value
        if isinstance(value, str):
            yield from _read_texts([value])


def open_sealed(found: Dump, sealer: Sealer) -> None:
    """What the key opens, read as if it had been stored in the clear."""
    for row in found.rows:
        opened = []
        values = row.values
        try:
            if row.table == "voters" and values.get("sealed_ballot"):
                context = f"{values['edition_id']}:{values['id']}"
                opened.append(sealer.unseal("ballot", values["sealed_ballot"], context))
            if row.table == "conversation_states":
                data = values["data"] if isinstance(values["data"], dict) else {}
                if isinstance(values["data"], str):
                    data = json.loads(values["data"])
                if data.get("sealed"):
                    opened.append(sealer.unseal("state", data["sealed"], values["key"]))
            if row.table == "processed_updates" and values.get("replies"):
                context = f"{values['bot_id']}:{values['update_id']}"
                opened.append(sealer.unseal("replies", values["replies"], context))
        except Unsealable:
            continue
        row.read += list(_read_texts(item.decode() for item in opened))
    fingerprints = Integrity(None, sealer)  # type: ignore[arg-type]
    accounts = {
        fingerprints.account(row.values["telegram_id"]): row.values["telegram_id"]
        for row in found.rows
        if row.table == "citizens"
    }
    for row in found.rows:
        column = NAMES_AN_ACCOUNT.get(row.table)
        if column is not None and row.values.get(column) in accounts:
            row.read.append(accounts[row.values[column]])


def reachable(found: Dump, telegram_id: int) -> set[Row]:
    """The rows anyone can join, step by step, to the rows that name this Telegram id."""
    rows = [row for row in found.rows if row.table not in REFERENCE_TABLES]
    links: dict[tuple[str, Any], list[Row]] = {}

    def link(kind: str, value: Any, row: Row) -> None:
        links.setdefault((kind, value), []).append(row)

    keyed = {(table, column): referred for table, column, referred, _ in found.foreign_keys}
    for row in rows:
        for column, value in row.values.items():
            if value is None or isinstance(value, bool):
                continue
            referred = keyed.get((row.table, column))
            if referred in REFERENCE_TABLES:
                continue
            if referred is not None:
                link("key", (referred, value), row)
            if column == "id":
                link("key", (row.table, value), row)
            elif (column.endswith("_id") or column in ("key", "receipt")) and (
                column not in SHARED_BY_ALL
            ):
                link(f"column {column}", value, row)
            moment = _moment(value)
            if moment is not None:
                link("time", moment, row)
                link("bucket", bucket_start(moment, BUCKETS), row)
            if isinstance(value, str) and len(value) >= LONG_TEXT:
                link("text", value, row)
    seen: set[Row] = {row for row in rows if row.mentions(telegram_id)}
    frontier = list(seen)
    while frontier:
        row = frontier.pop()
        for kinds in _links_of(row, keyed):
            for joined in links.get(kinds, ()):
                if joined not in seen:
                    seen.add(joined)
                    frontier.append(joined)
    return seen


def _links_of(row: Row, keyed: dict[tuple[str, str], str]) -> Iterable[tuple[str, Any]]:
    for column, value in row.values.items():
        if value is None or isinstance(value, bool):
            continue
        referred = keyed.get((row.table, column))
        if referred in REFERENCE_TABLES:
            continue
        if referred is not None:
            yield "key", (referred, value)
        if column == "id":
            yield "key", (row.table, value)
        elif (column.endswith("_id") or column in ("key", "receipt")) and (
            column not in SHARED_BY_ALL
        ):
            yield f"column {column}", value
        moment = _moment(value)
        if moment is not None:
            yield "time", moment
            yield "bucket", bucket_start(moment, BUCKETS)
        if isinstance(value, str) and len(value) >= LONG_TEXT:
            yield "text", value


def _moment(value: Any) -> datetime | None:
    """A time, as PostgreSQL gives it or as SQLite keeps it (a text, in UTC)."""
    if isinstance(value, str) and MOMENT.fullmatch(value):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def revealed(found: Dump, ballots: dict[int, frozenset[int]]) -> dict[int, frozenset[int]]:
    """The voters (Telegram id -> ballot) whose whole ballot can be read from their own rows."""
    leaks = {}
    for telegram_id, ballot in ballots.items():
        known = set().union(*(row.project_ids() for row in reachable(found, telegram_id)))
        if ballot and ballot <= known:
            leaks[telegram_id] = ballot
    return leaks
