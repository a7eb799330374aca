"""surveys: respondents sampled from closed work orders, and quotas for phone interviews (CATI)

Revision ID: surveys_0008
Revises: surveys_0007
Create Date: 2026-12-04 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base

revision: str = "surveys_0008"
down_revision: str | Sequence[str] | None = "surveys_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("survey_links", "survey_interviews"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("work_order_id", sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_{table}_work_order_id"), ["work_order_id"], unique=False)
    op.create_table(
        "survey_cati_quotas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("quotas", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_survey_cati_quotas_survey_id_surveys"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_cati_quotas")),
        sa.UniqueConstraint("survey_id", name=op.f("uq_survey_cati_quotas_survey_id")),
    )


def downgrade() -> None:
    op.drop_table("survey_cati_quotas")
    for table in ("survey_interviews", "survey_links"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_work_order_id"))
            batch_op.drop_column("work_order_id")
