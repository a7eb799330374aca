"""workforce: leave becomes a request (state, hours of a day, decision, optimistic version)

Revision ID: workforce_0002
Revises: workforce_0001
Create Date: 2026-12-04 17:00:00

Leave written before this revision was entered by planners directly: it stays approved.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base

revision: str = "workforce_0002"
down_revision: str | Sequence[str] | None = "workforce_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workforce_leaves", schema=None) as batch_op:
        batch_op.add_column(sa.Column("start_minute", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("end_minute", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("state", sa.String(length=16), nullable=False, server_default="approved")
        )
        batch_op.add_column(sa.Column("requested_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("decided_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("decided_at", hotline.store.base.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("decision_note", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.create_index(batch_op.f("ix_workforce_leaves_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("workforce_leaves", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workforce_leaves_state"))
        for column in (
            "version",
            "decision_note",
            "decided_at",
            "decided_by",
            "requested_by",
            "state",
            "end_minute",
            "start_minute",
        ):
            batch_op.drop_column(column)
