"""surveys: quotas per stratum on IVR campaigns

Revision ID: surveys_0005
Revises: surveys_0004
Create Date: 2026-12-04 14:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "surveys_0005"
down_revision: str | Sequence[str] | None = "surveys_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("survey_campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quotas", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("survey_campaigns", schema=None) as batch_op:
        batch_op.drop_column("quotas")
