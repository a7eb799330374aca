"""telephony: registrar bindings survive a restart (sip_registrations)

Revision ID: 0410_load_sip_registrations
Revises: 0400_telephony
Create Date: 2026-12-03 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base

revision: str = "0410_load_sip_registrations"
down_revision: str | Sequence[str] | None = "0400_telephony"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sip_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("aor", sa.String(length=64), nullable=False),
        sa.Column("contact", sa.String(length=500), nullable=False),
        sa.Column("proto", sa.String(length=8), nullable=False),
        sa.Column("host", sa.String(length=64), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("expires_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.Column("call_id", sa.String(length=255), nullable=False),
        sa.Column("cseq", sa.Integer(), nullable=False),
        sa.Column("q", sa.Float(), nullable=False),
        sa.Column("path", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sip_registrations")),
        sa.UniqueConstraint("aor", "contact", name=op.f("uq_sip_registrations_aor")),
    )
    with op.batch_alter_table("sip_registrations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sip_registrations_aor"), ["aor"], unique=False)
        batch_op.create_index(batch_op.f("ix_sip_registrations_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sip_registrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sip_registrations_expires_at"))
        batch_op.drop_index(batch_op.f("ix_sip_registrations_aor"))
    op.drop_table("sip_registrations")
