"""callcenter: time marks on call recordings (hold, transfer, supervision, work order, agent marks)

Revision ID: 0310_recording_marks
Revises: 0300_callcenter
Create Date: 2026-11-25 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base

revision: str = "0310_recording_marks"
down_revision: str | Sequence[str] | None = "0300_callcenter"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recording_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_uuid", sa.String(length=64), nullable=False),
        sa.Column("offset_seconds", sa.Float(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("created_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["users.id"], name=op.f("fk_recording_marks_agent_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_marks")),
    )
    with op.batch_alter_table("recording_marks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recording_marks_call_uuid"), ["call_uuid"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recording_marks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recording_marks_call_uuid"))

    op.drop_table("recording_marks")
