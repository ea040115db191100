"""Column types that take any text a citizen can send and store it the same on SQLite and
PostgreSQL: what PostgreSQL refuses (the NUL character, halves of a surrogate pair, which a
JSON update can carry) is removed, and a text never exceeds its column, so that a long file
name or a stray character never makes a whole unit of work fail on one database only."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String, Text, TypeDecorator
from sqlalchemy.engine import Dialect


def clean_text(value: str) -> str:
    """`value` without NUL characters and lone surrogates (neither can be stored in
    PostgreSQL's text, and neither means anything to a reader)."""
    if value.isascii():
        return value.replace("\x00", "") if "\x00" in value else value
    return value.encode("utf-8", "ignore").decode("utf-8").replace("\x00", "")


def clean_json(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(key)): clean_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(item) for item in value]
    return value


class BoundedString(TypeDecorator[str]):
    """A VARCHAR(length) that keeps at most `length` characters of a clean text."""

    impl = String
    cache_ok = True

    def __init__(self, length: int) -> None:
        super().__init__(length)
        self.length = length

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return clean_text(value)[: self.length]


class CleanText(TypeDecorator[str]):
    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else clean_text(value)


class CleanJSON(TypeDecorator[Any]):
    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return clean_json(value)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both databases (SQLite would hand them back naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value
