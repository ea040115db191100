"""results become statuses; citizens follow funded projects; staff post their progress

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("editions") as batch:
        batch.add_column(
            sa.Column("results_published_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("funded", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("votes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("rank", sa.Integer(), nullable=True))
    op.create_table(
        "project_follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("following", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name="fk_project_follows_project_id_projects",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizens.id"],
            name="fk_project_follows_citizen_id_citizens",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_project_follows"),
        sa.UniqueConstraint("project_id", "citizen_id", name="uq_project_follows_project_citizen"),
    )
    op.create_table(
        "progress_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("photo", sa.String(length=255), nullable=True),
        sa.Column("posted_by", sa.BigInteger(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name="fk_progress_posts_project_id_projects",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_progress_posts"),
    )
    op.create_index("ix_progress_posts_project_id", "progress_posts", ["project_id"])


def downgrade() -> None:
    op.drop_index("ix_progress_posts_project_id", table_name="progress_posts")
    op.drop_table("progress_posts")
    op.drop_table("project_follows")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("rank")
        batch.drop_column("votes")
        batch.drop_column("funded")
    with op.batch_alter_table("editions") as batch:
        batch.drop_column("results_published_at")
