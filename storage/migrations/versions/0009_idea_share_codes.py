"""ideas' share codes

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ideas") as batch:
        batch.add_column(sa.Column("share_code", sa.String(length=16), nullable=True))
    bind = op.get_bind()
    for (idea_id,) in bind.execute(sa.text("SELECT id FROM ideas")).all():
        bind.execute(
            sa.text("UPDATE ideas SET share_code = :code WHERE id = :id"),
            {"code": secrets.token_urlsafe(8), "id": idea_id},
        )
    with op.batch_alter_table("ideas") as batch:
        batch.alter_column("share_code", existing_type=sa.String(length=16), nullable=False)
        batch.create_unique_constraint("uq_ideas_share_code", ["share_code"])


def downgrade() -> None:
    with op.batch_alter_table("ideas") as batch:
        batch.drop_constraint("uq_ideas_share_code", type_="unique")
        batch.drop_column("share_code")
