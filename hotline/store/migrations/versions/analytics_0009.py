"""analytics: a scheduled report's attachments (`formats`: xlsx and/or pdf; both for the
subscriptions made before)

Revision ID: analytics_0009
Revises: analytics_0008
Create Date: 2026-12-04 16:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "analytics_0009"
down_revision: str | Sequence[str] | None = "analytics_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("analytics_report_schedules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("formats", sa.JSON(), nullable=True))
    schedules = sa.table("analytics_report_schedules", sa.column("formats", sa.JSON()))
    op.execute(schedules.update().values(formats=["xlsx", "pdf"]))
    with op.batch_alter_table("analytics_report_schedules", schema=None) as batch_op:
        batch_op.alter_column("formats", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("analytics_report_schedules", schema=None) as batch_op:
        batch_op.drop_column("formats")
