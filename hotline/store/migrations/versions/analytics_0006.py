"""analytics: month rollups (calls per month × hour × queue, work orders per month × category ×
district × department × channel × state) that long periods read, filled from the day/hour rows

Revision ID: analytics_0006
Revises: analytics_0005
Create Date: 2026-12-04 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "analytics_0006"
down_revision: str | Sequence[str] | None = "analytics_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CALL_COUNTS = [
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
CALL_MEASURES = [*CALL_COUNTS, "wait_total", "talk_total"]
ORDER_KEYS = ["category_id", "district", "department_id", "channel", "state"]
ORDER_MEASURES = ["orders", "closed", "closed_on_time", "supervised", "visited", "satisfied"]


def _month(column: str) -> str:
    if op.get_bind().dialect.name == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def upgrade() -> None:
    op.create_table(
        "analytics_call_months",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("hour", sa.SmallInteger(), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in CALL_COUNTS],
        sa.Column("wait_total", sa.Float(), nullable=False),
        sa.Column("talk_total", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("month", "hour", "queue", name=op.f("pk_analytics_call_months")),
    )
    op.create_table(
        "analytics_order_months",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("district", sa.String(length=64), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in ORDER_MEASURES],
        sa.PrimaryKeyConstraint("month", *ORDER_KEYS, name=op.f("pk_analytics_order_months")),
    )
    month = _month("day")
    sums = ", ".join(f"SUM({c})" for c in CALL_MEASURES)
    op.execute(
        f"INSERT INTO analytics_call_months (month, hour, queue, {', '.join(CALL_MEASURES)}) "
        f"SELECT {month}, hour, queue, {sums} FROM analytics_call_hours GROUP BY {month}, hour, queue"
    )
    keys = ", ".join(ORDER_KEYS)
    sums = ", ".join(f"SUM({c})" for c in ORDER_MEASURES)
    op.execute(
        f"INSERT INTO analytics_order_months (month, {keys}, {', '.join(ORDER_MEASURES)}) "
        f"SELECT {month}, {keys}, {sums} FROM analytics_order_days GROUP BY {month}, {keys}"
    )


def downgrade() -> None:
    op.drop_table("analytics_order_months")
    op.drop_table("analytics_call_months")
