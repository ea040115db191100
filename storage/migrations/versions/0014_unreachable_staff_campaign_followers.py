"""staff whom notices cannot reach; campaigns that nobody follows

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05

Telegram refuses to write first to someone who never opened the bot: a staff member it refused
is remembered until they open it, so that staff are told. A campaign scheduled from the command
line with nobody to follow its progress had the chat 0 as its follower; it now has none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unreachable_staff",
        sa.Column("telegram_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("campaigns") as batch:
        batch.alter_column("created_by", existing_type=sa.BigInteger(), nullable=True)
    op.execute("UPDATE campaigns SET created_by = NULL WHERE created_by = 0")


def downgrade() -> None:
    op.execute("UPDATE campaigns SET created_by = 0 WHERE created_by IS NULL")
    with op.batch_alter_table("campaigns") as batch:
        batch.alter_column("created_by", existing_type=sa.BigInteger(), nullable=False)
    op.drop_table("unreachable_staff")
