"""integrity alarms: counts that name no voter, numbers tried, alarms raised

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _edition(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["edition_id"],
        ["editions.id"],
        name=op.f(f"fk_{table}_edition_id_editions"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "integrity_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("tally", sa.String(length=32), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        _edition("integrity_counts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrity_counts")),
        sa.UniqueConstraint(
            "edition_id", "tally", "item", "bucket", name="uq_integrity_counts_edition_tally"
        ),
    )
    op.create_table(
        "integrity_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("tag", sa.String(length=8), nullable=False),
        _edition("integrity_numbers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrity_numbers")),
        sa.UniqueConstraint(
            "edition_id", "account", "tag", name="uq_integrity_numbers_edition_tag"
        ),
    )
    op.create_table(
        "integrity_alarms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("identity", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("observed", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Float(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acked_by", sa.BigInteger(), nullable=True),
        _edition("integrity_alarms"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrity_alarms")),
        sa.UniqueConstraint("edition_id", "identity", name="uq_integrity_alarms_edition_identity"),
    )


def downgrade() -> None:
    op.drop_table("integrity_alarms")
    op.drop_table("integrity_numbers")
    op.drop_table("integrity_counts")
