"""idea drafts under a destiny of their own; the chat's state says who listens

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05

A chat's own conversation state (the "default" destiny) now says only which conversation takes
what is typed next; the idea form's draft moves to the "form" destiny. A draft being filled in
keeps its chat listening to the form; a paused one waits behind "Continue my idea".
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILLING, PAUSED, ANSWERING = "IdeaForm:filling", "IdeaForm:paused", "IdeaForm:answering"


def _data(value: object) -> dict[str, object]:
    if isinstance(value, str):
        value = json.loads(value)
    return dict(value) if isinstance(value, dict) else {}


def upgrade() -> None:
    bind = op.get_bind()
    now = datetime.now(UTC)
    rows = bind.execute(
        sa.text("SELECT key, state, data FROM conversation_states WHERE key LIKE :pattern"),
        {"pattern": "%:default"},
    ).all()
    for key, state, raw in rows:
        data = _data(raw)
        form_key = key.removesuffix(":default") + ":form"
        if state in (FILLING, PAUSED) and data:
            bind.execute(
                sa.text(
                    "INSERT INTO conversation_states (key, state, data, updated_at, version) "
                    "VALUES (:key, NULL, :data, :now, 1)"
                ),
                {"key": form_key, "data": json.dumps(data), "now": now},
            )
        listener = ANSWERING if state == FILLING else None
        if listener is None:
            bind.execute(sa.text("DELETE FROM conversation_states WHERE key = :key"), {"key": key})
        else:
            bind.execute(
                sa.text(
                    "UPDATE conversation_states SET state = :state, data = :data, "
                    "version = version + 1 WHERE key = :key"
                ),
                {"state": listener, "data": "{}", "key": key},
            )


def downgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT key FROM conversation_states WHERE key LIKE :pattern"),
        {"pattern": "%:form"},
    ).all()
    for (key,) in rows:
        default_key = key.removesuffix(":form") + ":default"
        listening = bind.execute(
            sa.text("SELECT state FROM conversation_states WHERE key = :key"),
            {"key": default_key},
        ).scalar()
        state = FILLING if listening == ANSWERING else PAUSED
        bind.execute(
            sa.text("DELETE FROM conversation_states WHERE key = :key"), {"key": default_key}
        )
        bind.execute(
            sa.text("UPDATE conversation_states SET key = :new, state = :state WHERE key = :key"),
            {"new": default_key, "state": state, "key": key},
        )
