"""analytics: work orders per month × category × district × department (no channel or state), the
month table that reports read when they neither group nor filter by channel or state

Revision ID: analytics_0008
Revises: analytics_0007
Create Date: 2026-12-04 14:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "analytics_0008"
down_revision: str | Sequence[str] | None = "analytics_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = ["category_id", "district", "department_id"]
MEASURES = ["orders", "closed", "closed_on_time", "supervised", "visited", "satisfied"]


def upgrade() -> None:
    op.create_table(
        "analytics_order_months_narrow",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("district", sa.String(length=64), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in MEASURES],
        sa.PrimaryKeyConstraint("month", *KEYS, name=op.f("pk_analytics_order_months_narrow")),
    )
    keys = ", ".join(KEYS)
    sums = ", ".join(f"SUM({c})" for c in MEASURES)
    op.execute(
        f"INSERT INTO analytics_order_months_narrow (month, {keys}, {', '.join(MEASURES)}) "
        f"SELECT month, {keys}, {sums} FROM analytics_order_months GROUP BY month, {keys}"
    )


def downgrade() -> None:
    op.drop_table("analytics_order_months_narrow")
