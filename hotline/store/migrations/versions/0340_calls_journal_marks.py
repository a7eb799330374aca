"""callcenter: how far each call-record writer's journal is in the database (call_journal_marks)

Revision ID: 0340_calls_journal_marks
Revises: 0330_calls_disposition
Create Date: 2026-12-04 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base

revision: str = "0340_calls_journal_marks"
down_revision: str | Sequence[str] | None = "0330_calls_disposition"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "call_journal_marks",
        sa.Column("writer_id", sa.String(length=32), nullable=False),
        sa.Column("applied_seq", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("writer_id", name=op.f("pk_call_journal_marks")),
    )


def downgrade() -> None:
    op.drop_table("call_journal_marks")
