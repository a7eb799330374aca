"""surveys: invitations (personal links sent by SMS / WeChat) as an outbox

Revision ID: surveys_0006
Revises: surveys_0005
Create Date: 2026-12-04 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base

revision: str = "surveys_0006"
down_revision: str | Sequence[str] | None = "surveys_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = hotline.store.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "survey_invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("caller_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", UTC(), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("sent_at", UTC(), nullable=True),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["survey_links.id"],
            name=op.f("fk_survey_invites_link_id_survey_links"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_invites_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_invites")),
    )
    with op.batch_alter_table("survey_invites", schema=None) as batch_op:
        batch_op.create_index("ix_survey_invites_due", ["status", "next_at"], unique=False)
        batch_op.create_index("ix_survey_invites_recipient", ["recipient", "created_at"], unique=False)
        batch_op.create_index("ix_survey_invites_survey", ["survey_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_table("survey_invites")
