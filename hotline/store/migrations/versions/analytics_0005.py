"""analytics: scheduled reports (定时报表) and their runs, one per schedule × period × seq

Revision ID: analytics_0005
Revises: analytics_0004
Create Date: 2026-12-04 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base

revision: str = "analytics_0005"
down_revision: str | Sequence[str] | None = "analytics_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analytics_report_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("rollup", sa.String(length=16), nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("by", sa.String(length=16), nullable=True),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_report_schedules")),
    )
    op.create_table(
        "analytics_report_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("period_kind", sa.String(length=16), nullable=False),
        sa.Column("period_first", sa.Date(), nullable=False),
        sa.Column("period_last", sa.Date(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("claimed_at", hotline.store.base.UTCDateTime(), nullable=True),
        sa.Column("next_try_at", hotline.store.base.UTCDateTime(), nullable=True),
        sa.Column("sent_at", hotline.store.base.UTCDateTime(), nullable=True),
        sa.Column("created_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_report_runs")),
        sa.UniqueConstraint("schedule_id", "period_first", "seq", name=op.f("uq_analytics_report_run")),
    )
    with op.batch_alter_table("analytics_report_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_analytics_report_runs_schedule_id"), ["schedule_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_analytics_report_runs_status"), ["status"], unique=False)


def downgrade() -> None:
    op.drop_table("analytics_report_runs")
    op.drop_table("analytics_report_schedules")
