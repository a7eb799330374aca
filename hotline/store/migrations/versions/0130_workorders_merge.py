"""workorders branch: merge the two revisions made on 0110 at the same time (channel nonces and
search suggest tokens), so the branch has one head again

Revision ID: 0130_workorders_merge
Revises: 0120_channels_nonces, 0120_search_suggest_tokens
Create Date: 2026-12-03 22:40:00
"""

from collections.abc import Sequence

revision: str = "0130_workorders_merge"  # alembic_version holds 32 characters
down_revision: str | Sequence[str] | None = ("0120_channels_nonces", "0120_search_suggest_tokens")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
