"""opinion: the built-in source (公众号留言) is marked and unique, so two nodes make it once

Revision ID: opinion_0003
Revises: opinion_0002
Create Date: 2026-12-05 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'opinion_0003'
down_revision: str | Sequence[str] | None = 'opinion_0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('opinion_sources', sa.Column('builtin', sa.String(length=16), nullable=True))
    # The oldest wechat source is the built-in one (the one every message went to); any later
    # duplicate a race made before this keeps its items as an ordinary source.
    op.execute(
        "UPDATE opinion_sources SET builtin = 'wechat' WHERE id = "
        "(SELECT min(id) FROM opinion_sources WHERE kind = 'wechat')"
    )
    op.create_index('uq_opinion_sources_builtin', 'opinion_sources', ['builtin'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_opinion_sources_builtin', table_name='opinion_sources')
    with op.batch_alter_table('opinion_sources') as batch:
        batch.drop_column('builtin')
