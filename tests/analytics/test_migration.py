"""The analytics migration matches the models: an autogenerate diff over its tables is empty."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hotline.store.base import Base
from hotline.store.db import Database
from hotline.store.registry import load_all_models
from tests.calls.test_migration import _table

OURS = {"analytics_watermarks", "analytics_call_slots", "analytics_order_days", "analytics_saved_reports"} | {
    "analytics_hotspots",
    "analytics_call_hours",
    "analytics_report_schedules",
    "analytics_report_runs",
    "analytics_call_months",
    "analytics_order_months",
    "analytics_order_months_narrow",
}


def test_migration_matches_models(db: Database) -> None:
    load_all_models()
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    ours = [d for d in diff if _name(d) in OURS]
    assert ours == []


def _name(d: object) -> str | None:
    item = d[0] if isinstance(d, list) else d
    for obj in item if isinstance(item, tuple) else (item,):
        table = getattr(obj, "table", None) or (obj if hasattr(obj, "columns") else None)
        if table is not None:
            return str(table.name)
        if isinstance(obj, str) and obj in OURS:
            return obj
    return _table(item)
