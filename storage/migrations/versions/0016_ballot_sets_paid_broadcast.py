"""each published ballot's projects in one column, so that identical ballots count together;
campaigns sent as paid broadcasts

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05

A national vote has a million ballots but far fewer distinct ones: the results count each
distinct ballot once. `ballots.project_ids` holds a ballot's projects ("3,17,42", ids ascending,
"" for an empty ballot) and an index on (edition_id, project_ids) lets the database group them
without reading `ballot_items`. Ballots already published are filled in from their items.

`campaigns.paid_broadcast`: a campaign staff chose to send with Telegram's allow_paid_broadcast
(up to 1 000 messages a second, paid in Stars); none of the existing ones.
"""

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(
            sa.Column("paid_broadcast", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("ballots") as batch:
        batch.add_column(sa.Column("project_ids", sa.Text(), server_default="", nullable=False))
        batch.create_index("ix_ballots_edition_project_ids", ["edition_id", "project_ids"])
    bind = op.get_bind()
    held: dict[str, list[int]] = defaultdict(list)
    for ballot_id, project_id in bind.execute(
        sa.text("SELECT ballot_id, project_id FROM ballot_items")
    ):
        held[ballot_id].append(project_id)
    if held:
        bind.execute(
            sa.text("UPDATE ballots SET project_ids = :ids WHERE id = :id"),
            [
                {"id": ballot_id, "ids": ",".join(map(str, sorted(ids)))}
                for ballot_id, ids in held.items()
            ],
        )


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("paid_broadcast")
    with op.batch_alter_table("ballots") as batch:
        batch.drop_index("ix_ballots_edition_project_ids")
        batch.drop_column("project_ids")
