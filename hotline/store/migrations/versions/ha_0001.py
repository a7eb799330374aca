"""ha: the leader lease and its fence

Revision ID: ha_0001
Revises: 0001_foundation
Create Date: 2026-12-04 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base

revision: str = "ha_0001"
down_revision: str | Sequence[str] | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = ("ha",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ha_leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.Column("acquired_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_ha_leases")),
    )
    op.create_table(
        "ha_fences",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_ha_fences")),
    )


def downgrade() -> None:
    op.drop_table("ha_fences")
    op.drop_table("ha_leases")
