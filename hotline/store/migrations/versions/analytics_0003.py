"""analytics: calls per local hour × queue (what most reports read), filled from the slots

Revision ID: analytics_0003
Revises: analytics_0002
Create Date: 2026-12-04 10:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "analytics_0003"
down_revision: str | Sequence[str] | None = "analytics_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = [
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


def upgrade() -> None:
    op.create_table(
        "analytics_call_hours",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hour", sa.SmallInteger(), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS],
        sa.Column("wait_total", sa.Float(), nullable=False),
        sa.Column("talk_total", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("day", "hour", "queue", name=op.f("pk_analytics_call_hours")),
    )
    measures = ", ".join(f"SUM({c})" for c in [*COUNTS, "wait_total", "talk_total"])
    op.execute(
        f"INSERT INTO analytics_call_hours (day, hour, queue, {', '.join([*COUNTS, 'wait_total', 'talk_total'])}) "
        f"SELECT day, slot / 2, queue, {measures} FROM analytics_call_slots GROUP BY day, slot / 2, queue"
    )


def downgrade() -> None:
    op.drop_table("analytics_call_hours")
