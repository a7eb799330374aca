"""workorders branch: files a department attaches to its answer (workorder_files)

Revision ID: 0170_wo_files
Revises: 0160_wo_notify_prefs
Create Date: 2026-12-04 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base

revision: str = "0170_wo_files"
down_revision: str | Sequence[str] | None = "0160_wo_notify_prefs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "workorder_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workorder_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_by", sa.String(length=100), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", hotline.store.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_workorder_files_department_id_departments")
        ),
        sa.ForeignKeyConstraint(
            ["workorder_id"],
            ["workorders.id"],
            name=op.f("fk_workorder_files_workorder_id_workorders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workorder_files")),
    )
    op.create_index(op.f("ix_workorder_files_workorder_id"), "workorder_files", ["workorder_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_workorder_files_workorder_id"), table_name="workorder_files")
    op.drop_table("workorder_files")
