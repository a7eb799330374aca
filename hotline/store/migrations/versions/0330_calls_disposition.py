"""callcenter: a call's disposition (通话小结) for calls that need no work order

Revision ID: 0330_calls_disposition
Revises: 0320_calls_pending_callbacks
Create Date: 2026-12-03 23:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0330_calls_disposition"
down_revision: str | Sequence[str] | None = "0320_calls_pending_callbacks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("disposition", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("disposition_note", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("disposition_note")
        batch.drop_column("disposition")
