"""analytics: rollups of calls and work orders, their high-water marks, saved reports

Revision ID: analytics_0001
Revises: 0001_foundation
Create Date: 2026-12-04 09:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base

revision: str = "analytics_0001"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("analytics",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analytics_watermarks",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_analytics_watermarks")),
    )
    counts = [
        "offered",
        "entered",
        "answered",
        "answered_15s",
        "abandoned",
        "short_abandoned",
        "lost",
        "lost_center",
        "callbacks",
        "completed",
    ]
    op.create_table(
        "analytics_call_slots",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("slot", sa.SmallInteger(), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in counts],
        sa.Column("wait_total", sa.Float(), nullable=False),
        sa.Column("talk_total", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("day", "slot", "queue", "agent_id", name=op.f("pk_analytics_call_slots")),
    )
    op.create_table(
        "analytics_order_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("district", sa.String(length=64), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        *[
            sa.Column(name, sa.Integer(), nullable=False)
            for name in ("orders", "closed", "closed_on_time", "supervised", "visited", "satisfied")
        ],
        sa.PrimaryKeyConstraint(
            "day",
            "category_id",
            "district",
            "department_id",
            "channel",
            "state",
            name=op.f("pk_analytics_order_days"),
        ),
    )
    op.create_table(
        "analytics_saved_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("created_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_saved_reports")),
    )


def downgrade() -> None:
    op.drop_table("analytics_saved_reports")
    op.drop_table("analytics_order_days")
    op.drop_table("analytics_call_slots")
    op.drop_table("analytics_watermarks")
