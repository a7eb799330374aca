"""contingency: emergency modes and the callback worklist

Revision ID: contingency_0001
Revises: 0001_foundation
Create Date: 2026-12-04 09:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base


revision: str = 'contingency_0001'
down_revision: str | Sequence[str] | None = '0001_foundation'
branch_labels: str | Sequence[str] | None = ('contingency',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('contingency_modes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('prompt', sa.String(length=64), nullable=True),
    sa.Column('backup_number', sa.String(length=32), nullable=True),
    sa.Column('overflow_after_seconds', sa.Integer(), nullable=False),
    sa.Column('when_no_agent', sa.Boolean(), nullable=False),
    sa.Column('starts_at', hotline.store.base.UTCDateTime(), nullable=False),
    sa.Column('ends_at', hotline.store.base.UTCDateTime(), nullable=False),
    sa.Column('ended_at', hotline.store.base.UTCDateTime(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('ended_by', sa.Integer(), nullable=True),
    sa.Column('created_at', hotline.store.base.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_contingency_modes_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ended_by'], ['users.id'], name=op.f('fk_contingency_modes_ended_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contingency_modes'))
    )
    with op.batch_alter_table('contingency_modes', schema=None) as batch_op:
        batch_op.create_index('ix_contingency_modes_active', ['ended_at', 'ends_at'], unique=False)

    op.create_table('contingency_callbacks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mode_id', sa.Integer(), nullable=True),
    sa.Column('call_uuid', sa.String(length=64), nullable=False),
    sa.Column('caller_number', sa.String(length=32), nullable=False),
    sa.Column('callback_number', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('collected_at', hotline.store.base.UTCDateTime(), nullable=False),
    sa.Column('handled_by', sa.Integer(), nullable=True),
    sa.Column('handled_at', hotline.store.base.UTCDateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['handled_by'], ['users.id'], name=op.f('fk_contingency_callbacks_handled_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['mode_id'], ['contingency_modes.id'], name=op.f('fk_contingency_callbacks_mode_id_contingency_modes'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contingency_callbacks')),
    sa.UniqueConstraint('call_uuid', name=op.f('uq_contingency_callbacks_call_uuid'))
    )
    with op.batch_alter_table('contingency_callbacks', schema=None) as batch_op:
        batch_op.create_index('ix_contingency_callbacks_status', ['status', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('contingency_callbacks', schema=None) as batch_op:
        batch_op.drop_index('ix_contingency_callbacks_status')

    op.drop_table('contingency_callbacks')
    with op.batch_alter_table('contingency_modes', schema=None) as batch_op:
        batch_op.drop_index('ix_contingency_modes_active')

    op.drop_table('contingency_modes')
