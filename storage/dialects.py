"""INSERT ... ON CONFLICT, which SQLite and PostgreSQL both know, each with its construct."""

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def dialect_insert(session: AsyncSession, table: Any) -> Any:
    """`insert(table)` of the session's database, with its `on_conflict_do_nothing`."""
    dialect = session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)
