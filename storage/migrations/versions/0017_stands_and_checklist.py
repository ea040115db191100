"""stands in town: paper entries, paper voters, identity fingerprints; the ideas' checklist

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05

A voter may now be a paper ballot entered at a stand, with no account (no citizen), checked by
its phone number or by the edition's identity reference, both kept as keyed fingerprints. Each
paper entry (idea or ballot) records its stand, its staff member and its paper reference. An
idea keeps its author's answers to the admissibility checklist.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("voters") as batch:
        batch.alter_column("citizen_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("identity_hash", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(
            "uq_voters_edition_identity", ["edition_id", "identity_hash"]
        )
    with op.batch_alter_table("ideas") as batch:
        batch.add_column(sa.Column("checklist", sa.JSON(), nullable=True))
    op.create_table(
        "stand_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("stand", sa.String(length=32), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(length=200), nullable=True),
        sa.Column("author_contact", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["editions.id"],
            name=op.f("fk_stand_entries_edition_id_editions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["ideas.id"],
            name=op.f("fk_stand_entries_idea_id_ideas"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stand_entries")),
        sa.UniqueConstraint("edition_id", "reference", name="uq_stand_entries_edition_reference"),
    )


def downgrade() -> None:
    op.drop_table("stand_entries")
    with op.batch_alter_table("ideas") as batch:
        batch.drop_column("checklist")
    # Paper ballots have no account to belong to: they go with the stands.
    op.execute("DELETE FROM voters WHERE citizen_id IS NULL")
    with op.batch_alter_table("voters") as batch:
        batch.drop_constraint("uq_voters_edition_identity", type_="unique")
        batch.drop_column("identity_hash")
        batch.alter_column("citizen_id", existing_type=sa.Integer(), nullable=False)
