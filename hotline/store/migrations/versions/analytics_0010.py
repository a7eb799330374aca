"""analytics: work orders received (签收) and replied (答复) in their current assignment and on
time, extended (延期) and returned (退单), in the day and month rollups; the orders' mark is put
back to 0 so the catch-up recomputes every day with the new counts (a day is recomputed whole, so
this only rewrites what is there). On PostgreSQL the reporting view gains the columns.

Revision ID: analytics_0010
Revises: analytics_0009
Create Date: 2026-12-04 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "analytics_0010"
down_revision: str | Sequence[str] | None = "analytics_0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("analytics_order_days", "analytics_order_months", "analytics_order_months_narrow")
COLUMNS = {
    "received": "已签收（当前承办单位）",
    "received_on_time": "按时签收",
    "replied": "已答复（当前承办单位）",
    "replied_on_time": "按时答复",
    "extended": "曾获批延期",
    "returned": "曾被退单",
}
VIEW = (
    "SELECT o.day, o.category_id, c.name AS category, NULLIF(o.district, '') AS district, "
    "o.department_id, d.name AS department, o.channel, o.state, o.orders, o.closed, "
    "o.closed_on_time, o.supervised, o.visited, o.satisfied{extra} FROM analytics_order_days o "
    "LEFT JOIN workorder_categories c ON c.id = o.category_id "
    "LEFT JOIN departments d ON d.id = o.department_id"
)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in COLUMNS:
                batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE analytics_watermarks SET value = 0 WHERE name = 'orders'")
    if op.get_bind().dialect.name == "postgresql":
        extra = "".join(f", o.{name}" for name in COLUMNS)
        op.execute(f"CREATE OR REPLACE VIEW reporting.orders_by_day AS {VIEW.format(extra=extra)}")
        for name, text in COLUMNS.items():
            op.execute(f"COMMENT ON COLUMN reporting.orders_by_day.{name} IS {_quote(text)}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP VIEW reporting.orders_by_day")
        op.execute(f"CREATE VIEW reporting.orders_by_day AS {VIEW.format(extra='')}")
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in COLUMNS:
                batch_op.drop_column(name)
