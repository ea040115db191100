"""Which constraint a refused write broke, by its name, on both databases: a unique key taken by
a race is not a phone number already used, and neither is a check on the envelope."""

import re

from sqlalchemy import PrimaryKeyConstraint, Table, UniqueConstraint
from sqlalchemy.exc import IntegrityError

from storage.tables import Base

# SQLite names the columns of a unique key it refused, or the check by its name.
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)")
_SQLITE_CHECK = re.compile(r"CHECK constraint failed: (\w+)")


def violated_constraint(error: IntegrityError) -> str | None:
    """The name of the constraint `error` reports (as the naming convention of storage.tables
    gives it), or None when the database does not say (a foreign key on SQLite)."""
    cause = getattr(error.orig, "__cause__", None)
    name = getattr(cause, "constraint_name", None)
    if name:
        return str(name)
    message = str(error.orig.args[0]) if error.orig is not None and error.orig.args else ""
    if check := _SQLITE_CHECK.search(message):
        return check.group(1)
    if unique := _SQLITE_UNIQUE.search(message):
        return _unique_named(unique.group(1))
    return None


def is_violation(error: IntegrityError, *names: str) -> bool:
    return violated_constraint(error) in names


def _unique_named(columns_text: str) -> str | None:
    qualified = [part.strip() for part in columns_text.split(",")]
    table_name = qualified[0].split(".")[0]
    columns = {part.split(".", 1)[1] for part in qualified}
    table = Base.metadata.tables.get(table_name)
    if not isinstance(table, Table):
        return None
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint | PrimaryKeyConstraint) and (
            {column.name for column in constraint.columns} == columns
        ):
            return str(constraint.name) if constraint.name else None
    for index in table.indexes:
        if index.unique and {column.name for column in index.columns} == columns:
            return str(index.name) if index.name else None
    return None
