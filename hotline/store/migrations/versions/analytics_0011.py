"""analytics: calls per month × queue × agent, what the whole months of a report by agent read
(the half-hour slots of a month are ~400,000 rows at a million calls), filled from the slots

Revision ID: analytics_0011
Revises: analytics_0010
Create Date: 2026-12-04 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "analytics_0011"
down_revision: str | Sequence[str] | None = "analytics_0010"
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


def _month(column: str) -> str:
    if op.get_bind().dialect.name == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def upgrade() -> None:
    op.create_table(
        "analytics_call_agent_months",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in CALL_COUNTS],
        sa.Column("wait_total", sa.Float(), nullable=False),
        sa.Column("talk_total", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("month", "queue", "agent_id", name=op.f("pk_analytics_call_agent_months")),
    )
    month = _month("day")
    sums = ", ".join(f"SUM({c})" for c in CALL_MEASURES)
    op.execute(
        f"INSERT INTO analytics_call_agent_months (month, queue, agent_id, {', '.join(CALL_MEASURES)}) "
        f"SELECT {month}, queue, agent_id, {sums} FROM analytics_call_slots GROUP BY {month}, queue, agent_id"
    )


def downgrade() -> None:
    op.drop_table("analytics_call_agent_months")
