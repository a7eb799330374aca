"""knowledge: index knowledge_events.call_id (the articles used on a call are read by call)

Revision ID: knowledge_0002
Revises: 0200_knowledge
Create Date: 2026-12-04 16:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "knowledge_0002"
down_revision: str | Sequence[str] | None = "0200_knowledge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("knowledge_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_knowledge_events_call_id"), ["call_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("knowledge_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_events_call_id"))
