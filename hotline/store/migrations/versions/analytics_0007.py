"""analytics: saved ad-hoc reports can be shared, are versioned (audited updates) and indexed by owner

Revision ID: analytics_0007
Revises: analytics_0006
Create Date: 2026-12-04 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base

revision: str = "analytics_0007"
down_revision: str | Sequence[str] | None = "analytics_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("analytics_saved_reports") as batch:
        batch.add_column(sa.Column("shared", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("updated_at", hotline.store.base.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.create_index(batch.f("ix_analytics_saved_reports_owner_id"), ["owner_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("analytics_saved_reports") as batch:
        batch.drop_index(batch.f("ix_analytics_saved_reports_owner_id"))
        batch.drop_column("version")
        batch.drop_column("updated_at")
        batch.drop_column("shared")
