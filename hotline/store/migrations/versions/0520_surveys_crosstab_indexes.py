"""surveys: covering indexes for cross-tabs by age band and by channel

Revision ID: surveys_0003
Revises: surveys_0002
Create Date: 2026-12-04 10:55:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "surveys_0003"
down_revision: str | Sequence[str] | None = "surveys_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("survey_answers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_survey_answers_age_band", ["survey_id", "question", "age_band", "item", "option"], unique=False
        )
        batch_op.create_index(
            "ix_survey_answers_channel", ["survey_id", "question", "channel", "item", "option"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("survey_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_answers_channel")
        batch_op.drop_index("ix_survey_answers_age_band")
