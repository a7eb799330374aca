"""workforce: rosters planned per skill (the requirement per skill, the skill each shift covers)

Revision ID: workforce_0003
Revises: workforce_0002
Create Date: 2026-12-04 17:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "workforce_0003"
down_revision: str | Sequence[str] | None = "workforce_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workforce_rosters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requirements", sa.JSON(), nullable=True))
    with op.batch_alter_table("workforce_shifts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("skill", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workforce_shifts", schema=None) as batch_op:
        batch_op.drop_column("skill")
    with op.batch_alter_table("workforce_rosters", schema=None) as batch_op:
        batch_op.drop_column("requirements")
