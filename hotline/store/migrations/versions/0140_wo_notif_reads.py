"""workorders branch: per-user read marks of work-order notifications (the console's bell)

Revision ID: 0140_wo_notif_reads
Revises: 0130_workorders_merge
Create Date: 2026-12-03 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base

revision: str = "0140_wo_notif_reads"
down_revision: str | Sequence[str] | None = "0130_workorders_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "workorder_notification_reads",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("read_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["workorder_notifications.id"],
            name=op.f("fk_workorder_notification_reads_notification_id_workorder_notifications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_workorder_notification_reads_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "notification_id", name=op.f("pk_workorder_notification_reads")),
    )


def downgrade() -> None:
    op.drop_table("workorder_notification_reads")
