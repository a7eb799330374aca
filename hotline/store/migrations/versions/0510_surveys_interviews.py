"""surveys: phone interviews (CATI)

Revision ID: surveys_0002
Revises: surveys_0001
Create Date: 2026-12-04 10:38:39
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base


revision: str = 'surveys_0002'
down_revision: str | Sequence[str] | None = 'surveys_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('survey_interviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('caller_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('district', sa.String(length=64), nullable=False),
    sa.Column('age_band', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('callback_at', hotline.store.base.UTCDateTime(), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('updated_at', hotline.store.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['survey_links.id'], name=op.f('fk_survey_interviews_link_id_survey_links')),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_interviews_survey_id_surveys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_interviews')),
    sa.UniqueConstraint('survey_id', 'caller_id', name='uq_survey_interviews_caller')
    )
    with op.batch_alter_table('survey_interviews', schema=None) as batch_op:
        batch_op.create_index('ix_survey_interviews_queue', ['survey_id', 'state', 'updated_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('survey_interviews', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_interviews_queue')

    op.drop_table('survey_interviews')
