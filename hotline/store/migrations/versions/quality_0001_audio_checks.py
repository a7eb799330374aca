"""quality: automatic audio checks of recordings

Revision ID: quality_0001
Revises: 0001_foundation
Create Date: 2026-12-04 09:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base

revision: str = "quality_0001"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("quality",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quality_audio_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("call_uuid", sa.String(length=64), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("segments", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("computed_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_audio_checks")),
        sa.UniqueConstraint("recording_id", name=op.f("uq_quality_audio_checks_recording_id")),
    )
    with op.batch_alter_table("quality_audio_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quality_audio_checks_call_uuid"), ["call_uuid"], unique=False)
        batch_op.create_index(batch_op.f("ix_quality_audio_checks_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_quality_audio_checks_computed_at"), ["computed_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("quality_audio_checks")
