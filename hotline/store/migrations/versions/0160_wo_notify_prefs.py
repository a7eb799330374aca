"""workorders branch: each user's mail/SMS notification preferences (where, which kinds, quiet
hours) and the outbox that delivers work-order notifications by mail and SMS

Revision ID: 0160_wo_notify_prefs
Revises: 0150_channels_replies
Create Date: 2026-12-04 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base

revision: str = "0160_wo_notify_prefs"
down_revision: str | Sequence[str] | None = "0150_channels_replies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "workorder_notify_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("mobile", sa.String(length=32), nullable=True),
        sa.Column("quiet_start", sa.String(length=5), nullable=True),
        sa.Column("quiet_end", sa.String(length=5), nullable=True),
        sa.Column("updated_at", hotline.store.base.UTCDateTime(), nullable=False),
        _user_fk("workorder_notify_settings"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_workorder_notify_settings")),
    )
    op.create_table(
        "workorder_notify_subscriptions",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("created_at", hotline.store.base.UTCDateTime(), nullable=False),
        _user_fk("workorder_notify_subscriptions"),
        sa.PrimaryKeyConstraint(
            "user_id", "event", "channel", name=op.f("pk_workorder_notify_subscriptions")
        ),
    )
    op.create_table(
        "workorder_notify_out",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", hotline.store.base.UTCDateTime(), nullable=True),
        sa.Column("claimed_at", hotline.store.base.UTCDateTime(), nullable=True),
        sa.Column("sent_at", hotline.store.base.UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("external_ref", sa.String(length=255), nullable=True),
        sa.Column("created_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["workorder_notifications.id"],
            name=op.f("fk_workorder_notify_out_notification_id_workorder_notifications"),
            ondelete="CASCADE",
        ),
        _user_fk("workorder_notify_out"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workorder_notify_out")),
        sa.UniqueConstraint(
            "notification_id", "user_id", "channel", name=op.f("uq_workorder_notify_out_notification_id")
        ),
    )
    with op.batch_alter_table("workorder_notify_out", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_workorder_notify_out_notification_id"), ["notification_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_workorder_notify_out_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "ix_workorder_notify_out_status_next", ["status", "next_attempt_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("workorder_notify_out")
    op.drop_table("workorder_notify_subscriptions")
    op.drop_table("workorder_notify_settings")
