"""What an update took from a process's caches instead of the database, checked by the
database when the update commits: with several processes, another one may have changed a
chat's state or a citizen meanwhile. A state is checked by its version (bumped at every
write); a citizen by the row itself. An update whose assumptions no longer hold is refused
(`StateConflict`) and handled again from what is stored."""

from dataclasses import dataclass, field

from sqlalchemy import select
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


async def broken(executor: AsyncSession | AsyncConnection, every: list[Assumptions]) -> list[bool]:
    """For each set of assumptions, whether the database now says otherwise: one query per
    table for all of them."""
    keys = {key for assumed in every for key in assumed.states}
    telegram_ids = {telegram_id for assumed in every for telegram_id in assumed.citizens}
    versions: dict[str, int] = {}
    citizens: dict[int, Citizen] = {}
    if keys:
        rows = await executor.execute(
            select(ConversationStateRow.key, ConversationStateRow.version).where(
                ConversationStateRow.key.in_(keys)
            )
        )
        versions = {row.key: row.version for row in rows}
    if telegram_ids:
        rows = await executor.execute(
            select(
                CitizenRow.id, CitizenRow.telegram_id, CitizenRow.language, CitizenRow.source
            ).where(CitizenRow.telegram_id.in_(telegram_ids))
        )
        citizens = {
            row.telegram_id: Citizen(row.id, row.telegram_id, row.language, row.source)
            for row in rows
        }
    return [
        any(versions.get(key, 0) != version for key, version in assumed.states.items())
        or any(citizens.get(tid) != citizen for tid, citizen in assumed.citizens.items())
        for assumed in every
    ]
