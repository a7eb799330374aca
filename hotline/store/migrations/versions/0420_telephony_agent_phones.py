"""telephony: each agent's phone (browser phone or desk phone)

Revision ID: 0420_telephony_agent_phones
Revises: 0410_load_sip_registrations
Create Date: 2026-12-04 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base

revision: str = "0420_telephony_agent_phones"
down_revision: str | Sequence[str] | None = "0410_load_sip_registrations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agent_phones",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("updated_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_agent_phones_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_agent_phones")),
    )


def downgrade() -> None:
    op.drop_table("agent_phones")
