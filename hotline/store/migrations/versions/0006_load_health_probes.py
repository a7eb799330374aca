"""health probes: a row /readyz rewrites to prove the database takes writes

Revision ID: 0006_load_health_probes
Revises: 0005_webauth_pw_change
Create Date: 2026-12-03 22:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base

revision: str = "0006_load_health_probes"
down_revision: str | Sequence[str] | None = "0005_webauth_pw_change"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "health_probes",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_health_probes")),
    )


def downgrade() -> None:
    op.drop_table("health_probes")
