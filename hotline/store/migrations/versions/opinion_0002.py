"""opinion: brief subscriptions and runs (daily/weekly opinion briefs by mail)

Revision ID: opinion_0002
Revises: opinion_0001
Create Date: 2026-12-04 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base


revision: str = 'opinion_0002'
down_revision: str | Sequence[str] | None = 'opinion_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('opinion_brief_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('daily', sa.Boolean(), nullable=False),
    sa.Column('weekly', sa.Boolean(), nullable=False),
    sa.Column('created_at', hotline.store.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opinion_brief_subscriptions'))
    )
    op.create_table('opinion_brief_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('period_first', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('next_try_at', hotline.store.base.UTCDateTime(), nullable=True),
    sa.Column('created_at', hotline.store.base.UTCDateTime(), nullable=False),
    sa.Column('sent_at', hotline.store.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['subscription_id'], ['opinion_brief_subscriptions.id'], name=op.f('fk_opinion_brief_runs_subscription_id_opinion_brief_subscriptions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opinion_brief_runs'))
    )
    op.create_index('uq_opinion_brief_runs_subscription_id', 'opinion_brief_runs', ['subscription_id', 'kind', 'period_first'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_opinion_brief_runs_subscription_id', table_name='opinion_brief_runs')
    op.drop_table('opinion_brief_runs')
    op.drop_table('opinion_brief_subscriptions')
