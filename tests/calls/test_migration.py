"""The callcenter migration matches the models: an autogenerate diff over our tables is empty."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hotline.store.base import Base
from hotline.store.db import Database
from hotline.store.registry import load_all_models

OURS = {
    "acd_business_hours",
    "acd_queues",
    "acd_agent_skills",
    "ivr_flows",
    "ivr_flow_versions",
    "calls",
    "call_legs",
    "queue_events",
    "agent_state_log",
    "recordings",
    "recording_marks",
    "pending_callbacks",
    "call_journal_marks",
}


def _table(item: Any) -> str | None:
    for obj in item if isinstance(item, tuple) else (item,):
        table = getattr(obj, "table", None) or (obj if hasattr(obj, "columns") else None)
        if table is not None:
            return str(table.name)
        if isinstance(obj, str) and obj in OURS:
            return obj
    return None


def test_migration_matches_models(db: Database) -> None:
    load_all_models()
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    ours = [d for d in diff if _table(d[0] if isinstance(d, list) else d) in OURS]
    assert ours == []
