"""callcenter: pending callbacks survive a restart (pending_callbacks)

Revision ID: 0320_calls_pending_callbacks
Revises: 0310_recording_marks
Create Date: 2026-12-03 22:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base

revision: str = "0320_calls_pending_callbacks"
down_revision: str | Sequence[str] | None = "0310_recording_marks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_callbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_uuid", sa.String(length=64), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("caller_number", sa.String(length=64), nullable=False),
        sa.Column("callback_number", sa.String(length=64), nullable=False),
        sa.Column("caller_id", sa.Integer(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("enqueued_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.Column("created_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_callbacks")),
        sa.UniqueConstraint("call_uuid", name=op.f("uq_pending_callbacks_call_uuid")),
    )


def downgrade() -> None:
    op.drop_table("pending_callbacks")
