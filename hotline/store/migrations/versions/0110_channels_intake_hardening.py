"""channels intake hardening: raw bytes, back-off, dead letters, loop flags, sender and contact

The raw message becomes bytes (mail without a charset was stored as U+FFFD); `next_attempt_at`
spaces out retries and `flag` marks mail held as automated or looping; `channel_acks` gets an
index for the per-recipient rate limit; a work order keeps the mail address or WeChat OpenID the
citizen wrote from (`contact_address`).

Revision ID: 0110_channels_intake_hardening
Revises: 0100_workorders
Create Date: 2026-12-03 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base

revision: str = "0110_channels_intake_hardening"
down_revision: str | Sequence[str] | None = "0100_workorders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("channel_inbox", schema=None) as batch_op:
        batch_op.alter_column(
            "raw",
            existing_type=sa.Text(),
            type_=sa.LargeBinary(),
            existing_nullable=False,
            postgresql_using="convert_to(raw, 'UTF8')",
        )
        batch_op.add_column(sa.Column("flag", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("sender_name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("sender_phone", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("next_attempt_at", hotline.store.base.UTCDateTime(), nullable=True))
    if not postgres:
        # SQLite keeps the old values' TEXT storage class after the copy; make them blobs.
        op.execute("UPDATE channel_inbox SET raw = CAST(raw AS BLOB)")
    with op.batch_alter_table("channel_acks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_channel_acks_channel_recipient_created_at",
            ["channel", "recipient", "created_at"],
            unique=False,
        )
    with op.batch_alter_table("workorders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_address", sa.String(length=255), nullable=True))


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("workorders", schema=None) as batch_op:
        batch_op.drop_column("contact_address")
    with op.batch_alter_table("channel_acks", schema=None) as batch_op:
        batch_op.drop_index("ix_channel_acks_channel_recipient_created_at")
    with op.batch_alter_table("channel_inbox", schema=None) as batch_op:
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("flag")
        batch_op.drop_column("sender_name")
        batch_op.drop_column("sender_phone")
        batch_op.alter_column(
            "raw",
            existing_type=sa.LargeBinary(),
            type_=sa.Text(),
            existing_nullable=False,
            postgresql_using="convert_from(raw, 'UTF8')",
        )
    if not postgres:
        op.execute("UPDATE channel_inbox SET raw = CAST(raw AS TEXT)")
