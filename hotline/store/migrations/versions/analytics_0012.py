"""analytics: work orders per month × channel × state, the month table that reports by channel or
state read when they filter on neither category, district nor department (a year by channel read
the month table with every key: ~8,000 rows a month), filled from `analytics_order_months`

Revision ID: analytics_0012
Revises: analytics_0011
Create Date: 2026-12-04 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "analytics_0012"
down_revision: str | Sequence[str] | None = "analytics_0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MEASURES = [
    *("orders", "closed", "closed_on_time", "supervised", "visited", "satisfied"),
    *("received", "received_on_time", "replied", "replied_on_time", "extended", "returned"),
]


def upgrade() -> None:
    op.create_table(
        "analytics_order_months_channel",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in MEASURES],
        sa.PrimaryKeyConstraint("month", "channel", "state", name=op.f("pk_analytics_order_months_channel")),
    )
    sums = ", ".join(f"SUM({c})" for c in MEASURES)
    op.execute(
        f"INSERT INTO analytics_order_months_channel (month, channel, state, {', '.join(MEASURES)}) "
        f"SELECT month, channel, state, {sums} FROM analytics_order_months GROUP BY month, channel, state"
    )


def downgrade() -> None:
    op.drop_table("analytics_order_months_channel")
