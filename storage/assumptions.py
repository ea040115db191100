"""What an update took from a process's caches instead of the database, checked by the
database when the update commits: with several processes, another one may have changed a
chat's state or a citizen meanwhile. A state is checked by its version (bumped at every
write); a citizen by the row itself. An update whose assumptions no longer hold is refused
(`StateConflict`) and handled again from what is stored."""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    BigInteger,
    CompoundSelect,
    Integer,
    String,
    any_,
    bindparam,
    cast,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.citizens import Citizen
from storage.tables import CitizenRow, ConversationStateRow


@dataclass
class Assumptions:
    # A state's key and the version it was taken at (0: no row).
    states: dict[str, int] = field(default_factory=dict)
    # A Telegram account and who it was taken to be (None: nobody who consented).
    citizens: dict[int, Citizen | None] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.states or self.citizens)

    def clear(self) -> None:
        self.states.clear()
        self.citizens.clear()


def checked_on(dialect: str) -> bool:
    """A SQLite file is written by one process (`pbbot run` refuses several workers on it):
    its caches are always right, and need no check."""
    return dialect != "sqlite"


# What the database says now of the states and citizens taken from caches, in one round trip
# and one statement whatever their number (arrays rather than IN lists: prepared once per
# connection, not once for each number of keys a batch happens to hold), built once.
_NOW_STORED: CompoundSelect[Any] = union_all(
    select(
        ConversationStateRow.key,
        ConversationStateRow.version,
        cast(null(), BigInteger).label("id"),
        cast(null(), BigInteger).label("telegram_id"),
        cast(null(), String).label("language"),
        cast(null(), String).label("source"),
    ).where(ConversationStateRow.key == any_(bindparam("keys", type_=ARRAY(String)))),
    select(
        cast(null(), String),
        cast(null(), Integer),
        CitizenRow.id,
        CitizenRow.telegram_id,
        CitizenRow.language,
        CitizenRow.source,
    ).where(CitizenRow.telegram_id == any_(bindparam("ids", type_=ARRAY(BigInteger)))),
)


async def broken(executor: AsyncSession | AsyncConnection, every: list[Assumptions]) -> list[bool]:
    """For each set of assumptions, whether the database now says otherwise: one query for
    all of them (on PostgreSQL, the only database checked)."""
    keys = {key for assumed in every for key in assumed.states}
    telegram_ids = {telegram_id for assumed in every for telegram_id in assumed.citizens}
    versions: dict[str, int] = {}
    citizens: dict[int, Citizen] = {}
    if keys or telegram_ids:
        rows = await executor.execute(_NOW_STORED, {"keys": list(keys), "ids": list(telegram_ids)})
        for row in rows:
            if row.telegram_id is None:
                versions[row.key] = row.version
            else:
                citizens[row.telegram_id] = Citizen(
                    row.id, row.telegram_id, row.language, row.source
                )
    return [
        any(versions.get(key, 0) != version for key, version in assumed.states.items())
        or any(citizens.get(tid) != citizen for tid, citizen in assumed.citizens.items())
        for assumed in every
    ]
