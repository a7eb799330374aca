"""channels: outbox of answers sent back to citizens over their channel, and mail attachments

Revision ID: 0150_channels_replies
Revises: 0140_wo_notif_reads
Create Date: 2026-12-03 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base

revision: str = "0150_channels_replies"
down_revision: str | Sequence[str] | None = "0140_wo_notif_reads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workorder_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("in_reply_to", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", hotline.store.base.UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("external_ref", sa.String(length=255), nullable=True),
        sa.Column("created_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.Column("sent_at", hotline.store.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workorder_id"],
            ["workorders.id"],
            name=op.f("fk_channel_replies_workorder_id_workorders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_replies")),
    )
    with op.batch_alter_table("channel_replies", schema=None) as batch_op:
        batch_op.create_index("uq_channel_replies_event_id", ["event_id"], unique=True)
        batch_op.create_index("ix_channel_replies_status", ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_channel_replies_workorder_id"), ["workorder_id"], unique=False)
    op.create_table(
        "channel_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inbound_id", sa.Integer(), nullable=False),
        sa.Column("workorder_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=255), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inbound_id"],
            ["channel_inbox.id"],
            name=op.f("fk_channel_attachments_inbound_id_channel_inbox"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workorder_id"], ["workorders.id"], name=op.f("fk_channel_attachments_workorder_id_workorders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_attachments")),
    )
    with op.batch_alter_table("channel_attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_channel_attachments_inbound_id"), ["inbound_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_channel_attachments_workorder_id"), ["workorder_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("channel_attachments")
    op.drop_table("channel_replies")
