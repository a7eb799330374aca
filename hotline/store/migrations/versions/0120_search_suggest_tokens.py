"""workorders search: token weights, and every order reindexed (bigrams, characters, identity)

`workorder_tokens.weight` holds the term frequency (title counted thrice) for relevance ranking.
The index now also holds character bigrams and single characters, phone-number prefixes and
suffixes and the caller's name and numbers, normalised (NFKC, no format characters): existing
orders are reindexed here with the product's own indexer, 500 at a time (later changes of what is
indexed: `hotline workorders reindex`).

Revision ID: 0120_search_suggest_tokens
Revises: 0110_channels_intake_hardening
Create Date: 2026-12-03 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = "0120_search_suggest_tokens"
down_revision: str | Sequence[str] | None = "0110_channels_intake_hardening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workorder_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("weight", sa.SmallInteger(), server_default="1", nullable=False))
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM workorders LIMIT 1")).first() is None:
        return  # a new database: nothing to reindex (and no need to load jieba's dictionary)
    from hotline.workorders.search import reindex_all

    session = Session(bind=bind)
    reindex_all(session)
    session.flush()


def downgrade() -> None:
    with op.batch_alter_table("workorder_tokens", schema=None) as batch_op:
        batch_op.drop_column("weight")
