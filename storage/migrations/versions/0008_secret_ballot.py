"""the secret ballot: sealed ballots on voters, published ballots apart, key checks

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05

The ballots of an edition whose vote is closed are published as the bot now publishes them:
in a random order, under random ids, with their receipts and without voter, time or version;
the voters' phone fingerprints, no longer needed, are erased. The ballots of a vote still
running are sealed, each on its voter's row, with the key outside the database (the key file is
created if there is none yet). A running vote whose voters gave a phone number cannot be carried
over: the old fingerprints were salted with the edition's name, not keyed, and the numbers
behind them are not kept, so the upgrade stops with a message rather than let a number vote
twice; finish that vote with the version that started it.
"""

import json
import random
import secrets
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import context, op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("editions") as batch:
        batch.add_column(
            sa.Column("ballots_published_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "key_checks",
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("purpose", name=op.f("pk_key_checks")),
    )
    with op.batch_alter_table("voters") as batch:
        batch.add_column(sa.Column("sealed_ballot", sa.Text(), nullable=True))
    kept = _old_ballots()
    op.drop_table("ballot_items")
    op.drop_table("ballots")
    op.create_table(
        "ballots",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("envelope_cents", sa.BigInteger(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("receipt", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "total_cents <= envelope_cents", name=op.f("ck_ballots_within_envelope")
        ),
        sa.CheckConstraint("total_cents >= 0", name=op.f("ck_ballots_total_not_negative")),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["editions.id"],
            name=op.f("fk_ballots_edition_id_editions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballots")),
        sa.UniqueConstraint("edition_id", "receipt", name="uq_ballots_edition_receipt"),
    )
    op.create_index("ix_ballots_edition_id", "ballots", ["edition_id"])
    op.create_table(
        "ballot_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.String(length=32), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["ballots.id"],
            name=op.f("fk_ballot_items_ballot_id_ballots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_ballot_items_project_id_projects"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot_items")),
        sa.UniqueConstraint("ballot_id", "project_id", name="uq_ballot_items_ballot_project"),
    )
    op.create_index("ix_ballot_items_project_id", "ballot_items", ["project_id"])
    _carry_over(kept)
    with op.batch_alter_table("voters") as batch:
        batch.drop_column("ballots_cast")


def _old_ballots() -> list[dict[str, object]]:
    bind = op.get_bind()
    ballots = bind.execute(
        sa.text(
            "SELECT b.id, b.edition_id, b.voter_id, b.envelope_cents, b.total_cents, b.version,"
            " b.receipt FROM ballots b"
        )
    ).mappings()
    items: dict[int, list[int]] = {}
    for ballot_id, project_id in bind.execute(
        sa.text("SELECT ballot_id, project_id FROM ballot_items")
    ):
        items.setdefault(ballot_id, []).append(project_id)
    return [{**ballot, "projects": sorted(items.get(ballot["id"], []))} for ballot in ballots]


def _carry_over(kept: list[dict[str, object]]) -> None:
    from budget.edition import Phase
    from budget.edition_file import parse_edition

    bind = op.get_bind()
    now = datetime.now(UTC)
    rows = bind.execute(sa.text("SELECT id, slug, source, overrides FROM editions")).mappings()
    for edition_row in rows:
        overrides = edition_row["overrides"]
        if isinstance(overrides, str):
            overrides = json.loads(overrides)
        edition = parse_edition(edition_row["source"])
        edition = replace(
            edition, overrides={Phase(k): bool(v) for k, v in (overrides or {}).items()}
        )
        ballots = [b for b in kept if b["edition_id"] == edition_row["id"]]
        phones = bind.execute(
            sa.text("SELECT count(*) FROM voters WHERE edition_id = :e AND phone_hash IS NOT NULL"),
            {"e": edition_row["id"]},
        ).scalar()
        if edition.vote_is_closed(now):
            _publish(edition_row["id"], ballots, now)
            bind.execute(
                sa.text("UPDATE voters SET phone_hash = NULL WHERE edition_id = :e"),
                {"e": edition_row["id"]},
            )
        elif ballots or phones:
            if phones:
                raise RuntimeError(
                    f"edition {edition_row['slug']!r}: its vote is running and its voters' "
                    "phone numbers were fingerprinted the old way, which cannot be converted "
                    "(the numbers are not kept); finish this vote with the version that "
                    "started it, then upgrade"
                )
            _seal(ballots)


def _publish(edition_id: object, ballots: list[dict[str, object]], now: datetime) -> None:
    bind = op.get_bind()
    shuffled = list(ballots)
    random.SystemRandom().shuffle(shuffled)
    for ballot in shuffled:
        new_id = secrets.token_hex(16)
        bind.execute(
            sa.text(
                "INSERT INTO ballots (id, edition_id, envelope_cents, total_cents, receipt) "
                "VALUES (:id, :edition, :envelope, :total, :receipt)"
            ),
            {
                "id": new_id,
                "edition": edition_id,
                "envelope": ballot["envelope_cents"],
                "total": ballot["total_cents"],
                "receipt": ballot["receipt"],
            },
        )
        for project_id in ballot["projects"]:  # type: ignore[attr-defined]
            bind.execute(
                sa.text("INSERT INTO ballot_items (ballot_id, project_id) VALUES (:b, :p)"),
                {"b": new_id, "p": project_id},
            )
    bind.execute(
        sa.text("UPDATE editions SET ballots_published_at = :now WHERE id = :e"),
        {"now": now, "e": edition_id},
    )


def _seal(ballots: list[dict[str, object]]) -> None:
    from storage.voting import seal_ballot

    sealer = context.config.attributes.get("sealer")
    if sealer is None:
        raise RuntimeError(
            "the ballots of a running vote are to be sealed with the key: run `pbbot migrate` "
            "where SECRET_KEY_FILE is readable (it is created there if it does not exist)"
        )
    bind = op.get_bind()
    for ballot in ballots:
        sealed = seal_ballot(
            sealer,
            int(ballot["edition_id"]),  # type: ignore[call-overload]
            int(ballot["voter_id"]),  # type: ignore[call-overload]
            projects=list(ballot["projects"]),  # type: ignore[call-overload]
            receipt=str(ballot["receipt"]),
            version=int(ballot["version"]),  # type: ignore[call-overload]
            total_cents=int(ballot["total_cents"]),  # type: ignore[call-overload]
            envelope_cents=int(ballot["envelope_cents"]),  # type: ignore[call-overload]
        )
        bind.execute(
            sa.text("UPDATE voters SET sealed_ballot = :sealed WHERE id = :v"),
            {"sealed": sealed, "v": ballot["voter_id"]},
        )


def downgrade() -> None:
    # The sealed ballots cannot be given back to a schema that keeps them in the clear: a
    # downgrade keeps the voters and forgets the ballots.
    with op.batch_alter_table("voters") as batch:
        batch.add_column(
            sa.Column("ballots_cast", sa.Integer(), nullable=False, server_default="0")
        )
        batch.drop_column("sealed_ballot")
    op.drop_index("ix_ballot_items_project_id", table_name="ballot_items")
    op.drop_table("ballot_items")
    op.drop_index("ix_ballots_edition_id", table_name="ballots")
    op.drop_table("ballots")
    op.create_table(
        "ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("voter_id", sa.Integer(), nullable=False),
        sa.Column("envelope_cents", sa.BigInteger(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("receipt", sa.String(length=16), nullable=False),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "total_cents <= envelope_cents", name=op.f("ck_ballots_within_envelope")
        ),
        sa.CheckConstraint("total_cents >= 0", name=op.f("ck_ballots_total_not_negative")),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["editions.id"],
            name=op.f("fk_ballots_edition_id_editions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["voter_id"], ["voters.id"], name=op.f("fk_ballots_voter_id_voters"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballots")),
        sa.UniqueConstraint("voter_id", name=op.f("uq_ballots_voter")),
    )
    op.create_index("ix_ballots_edition_id", "ballots", ["edition_id"])
    op.create_table(
        "ballot_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["ballots.id"],
            name=op.f("fk_ballot_items_ballot_id_ballots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_ballot_items_project_id_projects"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballot_items")),
        sa.UniqueConstraint("ballot_id", "project_id", name="uq_ballot_items_ballot_project"),
    )
    op.create_index("ix_ballot_items_project_id", "ballot_items", ["project_id"])
    op.drop_table("key_checks")
    with op.batch_alter_table("editions") as batch:
        batch.drop_column("ballots_published_at")
