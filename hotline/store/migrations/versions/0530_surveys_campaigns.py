"""surveys: automated IVR campaigns (dial attempts claimed before dialling, do-not-call list,
spoken answers), and campaign respondents on the interviews

Revision ID: surveys_0004
Revises: surveys_0003
Create Date: 2026-12-04 13:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base

revision: str = "surveys_0004"
down_revision: str | Sequence[str] | None = "surveys_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = hotline.store.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "survey_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("max_lines", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("retry_minutes", sa.Integer(), nullable=False),
        sa.Column("ring_seconds", sa.Integer(), nullable=False),
        sa.Column("caller_number", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_survey_campaigns_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_survey_campaigns_survey_id_surveys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_campaigns")),
    )
    with op.batch_alter_table("survey_campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_campaigns_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_campaigns_survey_id"), ["survey_id"], unique=False)

    with op.batch_alter_table("survey_interviews", schema=None) as batch_op:
        batch_op.alter_column("caller_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("campaign_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("next_at", UTC(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_survey_interviews_campaign_id_survey_campaigns"),
            "survey_campaigns",
            ["campaign_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(
            "ix_survey_interviews_campaign", ["campaign_id", "state", "next_at"], unique=False
        )

    op.create_table(
        "survey_dial_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("claimed_at", UTC(), nullable=False),
        sa.Column("answered_at", UTC(), nullable=True),
        sa.Column("ended_at", UTC(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("sip_status", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["survey_campaigns.id"],
            name=op.f("fk_survey_dial_attempts_campaign_id_survey_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["survey_interviews.id"],
            name=op.f("fk_survey_dial_attempts_interview_id_survey_interviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_dial_attempts")),
        sa.UniqueConstraint("interview_id", "number", name="uq_survey_dial_attempts_number"),
    )
    with op.batch_alter_table("survey_dial_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_survey_dial_attempts_open", ["campaign_id", "ended_at"], unique=False)

    op.create_table(
        "survey_do_not_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_do_not_call")),
        sa.UniqueConstraint("phone", name=op.f("uq_survey_do_not_call_phone")),
    )

    op.create_table(
        "survey_voice_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=32), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["survey_responses.id"],
            name=op.f("fk_survey_voice_answers_response_id_survey_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_voice_answers")),
    )
    with op.batch_alter_table("survey_voice_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_voice_answers_response_id"), ["response_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_survey_voice_answers_survey_id"), ["survey_id"], unique=False)


def downgrade() -> None:
    op.drop_table("survey_voice_answers")
    op.drop_table("survey_do_not_call")
    op.drop_table("survey_dial_attempts")
    with op.batch_alter_table("survey_interviews", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_interviews_campaign")
        batch_op.drop_constraint(
            batch_op.f("fk_survey_interviews_campaign_id_survey_campaigns"), type_="foreignkey"
        )
        batch_op.drop_column("next_at")
        batch_op.drop_column("campaign_id")
        batch_op.alter_column("caller_id", existing_type=sa.Integer(), nullable=False)
    op.drop_table("survey_campaigns")
