"""workorders branch: per-user read marks of work-order notifications (the console's bell); the
satisfaction columns widened to 32 (basically_satisfied has 19 characters: PostgreSQL refused it)

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


def _satisfaction_length(old: int, new: int) -> None:
    """PostgreSQL only: SQLite does not enforce VARCHAR lengths, and changing a type there means
    recreating `workorders`, whose DROP would cascade to its timeline, links and search tokens."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in ("workorders", "workorder_return_visits"):
        op.alter_column(
            table, "satisfaction", existing_type=sa.String(length=old), type_=sa.String(length=new), existing_nullable=True
        )


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


    _satisfaction_length(16, 32)


def downgrade() -> None:
    _satisfaction_length(32, 16)
    op.drop_table("workorder_notification_reads")
