"""Alembic environment: runs on the connection the caller gives (see storage.migrate)."""

from alembic import context
from sqlalchemy.engine import Connection

from storage.tables import Base

connection: Connection | None = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through storage.migrate (pbbot db upgrade)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things in place; batch mode copies the table instead.
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
