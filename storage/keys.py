"""The key file and the database it belongs to: a key that does not open what this database
sealed (a copy restored without its key, the key of another installation) is refused at once,
rather than found out ballot after ballot."""

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.sealing import KeyFileError, Sealer, Unsealable, load_or_create_key
from storage.tables import KeyCheckRow

CANARY = b"pbbot: this is the key of this database"


def open_sealer(path: Path) -> Sealer:
    """The key in `path` (created at the first start), ready to seal."""
    return Sealer(load_or_create_key(path))


async def check_key(engine: AsyncEngine, sealer: Sealer, path: Path) -> None:
    """Raise KeyFileError if `sealer` is not the key this database was sealed with; remember
    it as the database's key if it has none yet."""
    async with engine.begin() as connection:
        sealed = await connection.scalar(
            select(KeyCheckRow.sealed).where(KeyCheckRow.purpose == "canary")
        )
        if sealed is None:
            # Two processes starting together on a new database both find no canary: the
            # first one's stays, and the other checks its key against it like any later start.
            dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
            await connection.execute(
                dialect.insert(KeyCheckRow)
                .values(purpose="canary", sealed=sealer.seal("canary", CANARY))
                .on_conflict_do_nothing()
            )
            sealed = await connection.scalar(
                select(KeyCheckRow.sealed).where(KeyCheckRow.purpose == "canary")
            )
    try:
        if sealed is not None and sealer.unseal("canary", sealed) == CANARY:
            return
    except Unsealable:
        pass
    raise KeyFileError(
        f"the key file {path} is not this database's: restore the key file kept with it "
        "(SECRET_KEY_FILE)"
    )
