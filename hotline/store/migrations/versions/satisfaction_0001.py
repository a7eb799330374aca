"""satisfaction: per-queue announcement/survey settings, post-call answers, and the agent number
(工号) on users

The agent number is people's column; it comes with the announcement that reads it, in this
branch, so that no revision id of the people's tables collides with another domain's.

Revision ID: satisfaction_0001
Revises: 0001_foundation
Create Date: 2026-12-04 09:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base

revision: str = "satisfaction_0001"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("satisfaction",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("agent_number", sa.String(length=8), nullable=True))
        batch.create_unique_constraint("uq_users_agent_number", ["agent_number"])
    op.create_table(
        "satisfaction_queue_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("announce_agent_number", sa.Boolean(), nullable=False),
        sa.Column("survey_enabled", sa.Boolean(), nullable=False),
        sa.Column("scale", sa.Integer(), nullable=False),
        sa.Column("survey_prompt", sa.String(length=64), nullable=True),
        sa.Column("wait_seconds", sa.Integer(), nullable=False),
        sa.Column("updated_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_satisfaction_queue_settings")),
        sa.UniqueConstraint("queue", name=op.f("uq_satisfaction_queue_settings_queue")),
    )
    op.create_table(
        "satisfaction_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_uuid", sa.String(length=64), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("caller_id", sa.Integer(), nullable=True),
        sa.Column("work_order_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("scale", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=4), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("level", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=True),
        sa.Column("flag", sa.String(length=16), nullable=True),
        sa.Column("flag_note", sa.Text(), nullable=True),
        sa.Column("flag_by", sa.String(length=64), nullable=True),
        sa.Column("flag_at", hotline.store.base.UTCDateTime(), nullable=True),
        sa.Column("answered_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_satisfaction_answers")),
        sa.UniqueConstraint("call_uuid", name=op.f("uq_satisfaction_answers_call_uuid")),
    )
    op.create_index("ix_satisfaction_answers_answered_at", "satisfaction_answers", ["answered_at"])
    op.create_index(
        "ix_satisfaction_answers_queue_answered_at", "satisfaction_answers", ["queue", "answered_at"]
    )
    op.create_index(
        "ix_satisfaction_answers_agent_answered_at", "satisfaction_answers", ["agent_id", "answered_at"]
    )
    op.create_index("ix_satisfaction_answers_flag", "satisfaction_answers", ["flag"])


def downgrade() -> None:
    op.drop_table("satisfaction_answers")
    op.drop_table("satisfaction_queue_settings")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_agent_number", type_="unique")
        batch.drop_column("agent_number")
