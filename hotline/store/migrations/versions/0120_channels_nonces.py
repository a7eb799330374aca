"""channels: nonces of signed WeChat requests, shared by every web process

Revision ID: 0120_channels_nonces
Revises: 0110_channels_intake_hardening
Create Date: 2026-12-03 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base

revision: str = "0120_channels_nonces"
down_revision: str | Sequence[str] | None = "0110_channels_intake_hardening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_nonces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("nonce_key", sa.String(length=128), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("seen_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_nonces")),
    )
    with op.batch_alter_table("channel_nonces", schema=None) as batch_op:
        batch_op.create_index("uq_channel_nonces_channel_nonce_key", ["channel", "nonce_key"], unique=True)
        batch_op.create_index("ix_channel_nonces_seen_at", ["seen_at"], unique=False)


def downgrade() -> None:
    op.drop_table("channel_nonces")
