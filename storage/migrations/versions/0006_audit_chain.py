"""audit log chained by hashes

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-12
"""

from collections.abc import Sequence
from datetime import UTC

import sqlalchemy as sa
from alembic import op

from budget.audit_chain import GENESIS, Entry

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

audit_log = sa.table(
    "audit_log",
    sa.column("id", sa.Integer()),
    sa.column("sequence", sa.Integer()),
    sa.column("actor", sa.BigInteger()),
    sa.column("action", sa.String()),
    sa.column("subject", sa.String()),
    sa.column("before", sa.JSON()),
    sa.column("after", sa.JSON()),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("previous_hash", sa.String()),
    sa.column("hash", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("sequence", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("previous_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    chain_existing_entries()
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("sequence", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("previous_hash", existing_type=sa.String(length=64), nullable=False)
        batch.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint("uq_audit_log_sequence", ["sequence"])


def chain_existing_entries() -> None:
    """The entries written before the chain, chained in the order they were written."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            audit_log.c.id,
            audit_log.c.actor,
            audit_log.c.action,
            audit_log.c.subject,
            audit_log.c.before,
            audit_log.c.after,
            audit_log.c.at,
        ).order_by(audit_log.c.id)
    ).all()
    previous = GENESIS
    for sequence, row in enumerate(rows, start=1):
        # SQLite hands times back without their zone; they were written in UTC.
        at = row.at if row.at.tzinfo is not None else row.at.replace(tzinfo=UTC)
        entry = Entry(sequence, row.actor, row.action, row.subject, row.before, row.after, at)
        sealed = entry.seal(previous)
        connection.execute(
            audit_log.update()
            .where(audit_log.c.id == row.id)
            .values(sequence=sequence, previous_hash=previous, hash=sealed)
        )
        previous = sealed


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_constraint("uq_audit_log_sequence", type_="unique")
        batch.drop_column("hash")
        batch.drop_column("previous_hash")
        batch.drop_column("sequence")
