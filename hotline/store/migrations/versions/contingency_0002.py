"""contingency: alerts to the people on duty

Revision ID: contingency_0002
Revises: contingency_0001
Create Date: 2026-12-04 10:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base


revision: str = 'contingency_0002'
down_revision: str | Sequence[str] | None = 'contingency_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('contingency_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('repeats', sa.Integer(), nullable=False),
    sa.Column('raised_at', hotline.store.base.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', hotline.store.base.UTCDateTime(), nullable=False),
    sa.Column('sent_at', hotline.store.base.UTCDateTime(), nullable=True),
    sa.Column('escalated_at', hotline.store.base.UTCDateTime(), nullable=True),
    sa.Column('resolved_at', hotline.store.base.UTCDateTime(), nullable=True),
    sa.Column('recovery_sent_at', hotline.store.base.UTCDateTime(), nullable=True),
    sa.Column('acknowledged_by', sa.Integer(), nullable=True),
    sa.Column('acknowledged_at', hotline.store.base.UTCDateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['acknowledged_by'], ['users.id'], name=op.f('fk_contingency_alerts_acknowledged_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contingency_alerts'))
    )
    with op.batch_alter_table('contingency_alerts', schema=None) as batch_op:
        batch_op.create_index('ix_contingency_alerts_key_status', ['key', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('contingency_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_contingency_alerts_key_status')

    op.drop_table('contingency_alerts')
