"""quality: forms, sampling plans, tasks, scores, call flags

Revision ID: quality_0002
Revises: quality_0001
Create Date: 2026-12-04 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base


revision: str = "quality_0002"
down_revision: str | Sequence[str] | None = "quality_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quality_call_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_uuid", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("created_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_call_flags")),
        sa.UniqueConstraint("call_uuid", "reason", name=op.f("uq_quality_call_flags_call_uuid")),
    )
    with op.batch_alter_table("quality_call_flags", schema=None) as batch_op:
        batch_op.create_index("ix_quality_call_flags_created", ["created_at"], unique=False)

    op.create_table(
        "quality_forms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("max_points", sa.Float(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.Column("published_at", hotline.store.base.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_forms")),
        sa.UniqueConstraint("code", "version", name=op.f("uq_quality_forms_code")),
    )
    op.create_table(
        "quality_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("form_code", sa.String(length=64), nullable=True),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_plans")),
    )
    op.create_table(
        "quality_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("call_uuid", sa.String(length=64), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=True),
        sa.Column("call_started_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.Column("created_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["quality_plans.id"],
            name=op.f("fk_quality_tasks_plan_id_quality_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_tasks")),
        sa.UniqueConstraint("plan_id", "call_uuid", name=op.f("uq_quality_tasks_plan_id")),
    )
    with op.batch_alter_table("quality_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quality_tasks_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quality_tasks_call_uuid"), ["call_uuid"], unique=False)
        batch_op.create_index(batch_op.f("ix_quality_tasks_state"), ["state"], unique=False)

    op.create_table(
        "quality_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_uuid", sa.String(length=64), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("calibration", sa.Boolean(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("comments", sa.JSON(), nullable=False),
        sa.Column("total", sa.Float(), nullable=True),
        sa.Column("max_points", sa.Float(), nullable=False),
        sa.Column("critical_failed", sa.Boolean(), nullable=False),
        sa.Column("original_total", sa.Float(), nullable=True),
        sa.Column("appeal_reason", sa.String(length=1000), nullable=True),
        sa.Column("decision_note", sa.String(length=1000), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("created_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.Column("submitted_at", hotline.store.base.UTCDateTime(), nullable=True),
        sa.Column("acknowledged_at", hotline.store.base.UTCDateTime(), nullable=True),
        sa.Column("appealed_at", hotline.store.base.UTCDateTime(), nullable=True),
        sa.Column("decided_at", hotline.store.base.UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["form_id"], ["quality_forms.id"], name=op.f("fk_quality_scores_form_id_quality_forms")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["quality_tasks.id"],
            name=op.f("fk_quality_scores_task_id_quality_tasks"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_scores")),
    )
    with op.batch_alter_table("quality_scores", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quality_scores_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quality_scores_call_uuid"), ["call_uuid"], unique=False)
        batch_op.create_index(batch_op.f("ix_quality_scores_submitted_at"), ["submitted_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("quality_scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_scores_submitted_at"))
        batch_op.drop_index(batch_op.f("ix_quality_scores_call_uuid"))
        batch_op.drop_index(batch_op.f("ix_quality_scores_agent_id"))

    op.drop_table("quality_scores")
    with op.batch_alter_table("quality_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quality_tasks_state"))
        batch_op.drop_index(batch_op.f("ix_quality_tasks_call_uuid"))
        batch_op.drop_index(batch_op.f("ix_quality_tasks_agent_id"))

    op.drop_table("quality_tasks")
    op.drop_table("quality_plans")
    op.drop_table("quality_forms")
    with op.batch_alter_table("quality_call_flags", schema=None) as batch_op:
        batch_op.drop_index("ix_quality_call_flags_created")

    op.drop_table("quality_call_flags")
