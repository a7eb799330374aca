"""surveys: the call an agent's phone interview is bound to

Revision ID: surveys_0007
Revises: surveys_0006
Create Date: 2026-12-04 17:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "surveys_0007"
down_revision: str | Sequence[str] | None = "surveys_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("survey_interviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("call_id", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_survey_interviews_call_id"), ["call_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("survey_interviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_interviews_call_id"))
        batch_op.drop_column("call_id")
