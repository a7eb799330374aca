"""callcenter: ACD queues, skills, business hours; IVR flows; calls, legs, queue log, recordings

Revision ID: 0300_callcenter
Revises: 0001_foundation
Create Date: 2026-11-25 08:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base

revision: str = "0300_callcenter"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("callcenter",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "acd_business_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=False),
        sa.Column("created_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acd_business_hours")),
        sa.UniqueConstraint("name", name=op.f("uq_acd_business_hours_name")),
    )
    op.create_table(
        "agent_state_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_state_log")),
    )
    with op.batch_alter_table("agent_state_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_state_log_agent_id"), ["agent_id"], unique=False)

    op.create_table(
        "ivr_flows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("numbers", sa.String(length=255), nullable=False),
        sa.Column("published_number", sa.Integer(), nullable=True),
        sa.Column("created_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ivr_flows")),
        sa.UniqueConstraint("name", name=op.f("uq_ivr_flows_name")),
    )
    op.create_table(
        "queue_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_uuid", sa.String(length=64), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("wait_seconds", sa.Float(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_events")),
    )
    with op.batch_alter_table("queue_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_queue_events_call_uuid"), ["call_uuid"], unique=False)
        batch_op.create_index("ix_queue_events_queue_at", ["queue", "at"], unique=False)

    op.create_table(
        "acd_queues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("strategy", sa.String(length=32), nullable=False),
        sa.Column("timeout_seconds", sa.Float(), nullable=True),
        sa.Column("overflow_kind", sa.String(length=16), nullable=True),
        sa.Column("overflow_target", sa.String(length=64), nullable=True),
        sa.Column("wrap_up_seconds", sa.Float(), nullable=False),
        sa.Column("ring_timeout_seconds", sa.Float(), nullable=False),
        sa.Column("max_no_answer", sa.Integer(), nullable=False),
        sa.Column("priority_boost_seconds", sa.Float(), nullable=False),
        sa.Column("service_level_seconds", sa.Float(), nullable=False),
        sa.Column("hours_id", sa.Integer(), nullable=True),
        sa.Column("created_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hours_id"], ["acd_business_hours.id"], name=op.f("fk_acd_queues_hours_id_acd_business_hours")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acd_queues")),
        sa.UniqueConstraint("name", name=op.f("uq_acd_queues_name")),
    )
    op.create_table(
        "ivr_flow_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flow_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("comment", sa.String(length=255), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.Column("published_at", hotline.store.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["flow_id"],
            ["ivr_flows.id"],
            name=op.f("fk_ivr_flow_versions_flow_id_ivr_flows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ivr_flow_versions")),
        sa.UniqueConstraint("flow_id", "number", name="uq_ivr_flow_versions_flow_number"),
    )
    with op.batch_alter_table("ivr_flow_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ivr_flow_versions_flow_id"), ["flow_id"], unique=False)

    op.create_table(
        "acd_agent_skills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["queue_id"],
            ["acd_queues.id"],
            name=op.f("fk_acd_agent_skills_queue_id_acd_queues"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_acd_agent_skills_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acd_agent_skills")),
        sa.UniqueConstraint("user_id", "queue_id", name="uq_acd_agent_skills_user_queue"),
    )
    with op.batch_alter_table("acd_agent_skills", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_acd_agent_skills_queue_id"), ["queue_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_acd_agent_skills_user_id"), ["user_id"], unique=False)

    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("caller_number", sa.String(length=64), nullable=True),
        sa.Column("callee_number", sa.String(length=64), nullable=True),
        sa.Column("caller_id", sa.Integer(), nullable=True),
        sa.Column("queue", sa.String(length=64), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("ivr_flow", sa.String(length=64), nullable=True),
        sa.Column("ivr_path", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("end_cause", sa.String(length=64), nullable=True),
        sa.Column("started_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.Column("queued_at", hotline.store.base.UTCDateTime(), nullable=True),
        sa.Column("answered_at", hotline.store.base.UTCDateTime(), nullable=True),
        sa.Column("ended_at", hotline.store.base.UTCDateTime(), nullable=True),
        sa.Column("wait_seconds", sa.Float(), nullable=True),
        sa.Column("talk_seconds", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["users.id"], name=op.f("fk_calls_agent_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["caller_id"], ["callers.id"], name=op.f("fk_calls_caller_id_callers"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("uuid", name=op.f("uq_calls_uuid")),
    )
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calls_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_calls_caller_id"), ["caller_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_calls_caller_number"), ["caller_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_calls_queue"), ["queue"], unique=False)
        batch_op.create_index(batch_op.f("ix_calls_started_at"), ["started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_calls_state"), ["state"], unique=False)

    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_uuid", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("caller_number", sa.String(length=64), nullable=True),
        sa.Column("queue", sa.String(length=64), nullable=True),
        sa.Column("work_order_id", sa.Integer(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("started_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.Column("ended_at", hotline.store.base.UTCDateTime(), nullable=True),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", hotline.store.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["users.id"], name=op.f("fk_recordings_agent_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordings")),
    )
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recordings_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_recordings_call_uuid"), ["call_uuid"], unique=False)
        batch_op.create_index(batch_op.f("ix_recordings_caller_number"), ["caller_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_recordings_queue"), ["queue"], unique=False)
        batch_op.create_index(batch_op.f("ix_recordings_started_at"), ["started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_recordings_work_order_id"), ["work_order_id"], unique=False)

    op.create_table(
        "call_legs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("leg_uuid", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("started_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.Column("answered_at", hotline.store.base.UTCDateTime(), nullable=True),
        sa.Column("ended_at", hotline.store.base.UTCDateTime(), nullable=True),
        sa.Column("end_cause", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["users.id"], name=op.f("fk_call_legs_agent_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_call_legs_call_id_calls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_legs")),
    )
    with op.batch_alter_table("call_legs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_legs_call_id"), ["call_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_legs_leg_uuid"), ["leg_uuid"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("call_legs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_legs_leg_uuid"))
        batch_op.drop_index(batch_op.f("ix_call_legs_call_id"))

    op.drop_table("call_legs")
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recordings_work_order_id"))
        batch_op.drop_index(batch_op.f("ix_recordings_started_at"))
        batch_op.drop_index(batch_op.f("ix_recordings_queue"))
        batch_op.drop_index(batch_op.f("ix_recordings_caller_number"))
        batch_op.drop_index(batch_op.f("ix_recordings_call_uuid"))
        batch_op.drop_index(batch_op.f("ix_recordings_agent_id"))

    op.drop_table("recordings")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calls_state"))
        batch_op.drop_index(batch_op.f("ix_calls_started_at"))
        batch_op.drop_index(batch_op.f("ix_calls_queue"))
        batch_op.drop_index(batch_op.f("ix_calls_caller_number"))
        batch_op.drop_index(batch_op.f("ix_calls_caller_id"))
        batch_op.drop_index(batch_op.f("ix_calls_agent_id"))

    op.drop_table("calls")
    with op.batch_alter_table("acd_agent_skills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_acd_agent_skills_user_id"))
        batch_op.drop_index(batch_op.f("ix_acd_agent_skills_queue_id"))

    op.drop_table("acd_agent_skills")
    with op.batch_alter_table("ivr_flow_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ivr_flow_versions_flow_id"))

    op.drop_table("ivr_flow_versions")
    op.drop_table("acd_queues")
    with op.batch_alter_table("queue_events", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_events_queue_at")
        batch_op.drop_index(batch_op.f("ix_queue_events_call_uuid"))

    op.drop_table("queue_events")
    op.drop_table("ivr_flows")
    with op.batch_alter_table("agent_state_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_state_log_agent_id"))

    op.drop_table("agent_state_log")
    op.drop_table("acd_business_hours")
