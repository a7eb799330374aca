"""The 0100_workorders migration creates exactly what the models declare (on both databases), and
the background job entry points run."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import String, Table, func, select

from hotline.channels.inbox import retry_pending
from hotline.store.base import Base
from hotline.store.db import Database
from hotline.store.registry import load_all_models
from hotline.workorders import assist, jobs
from hotline.workorders.models import ClassifierModel

MINE = ("workorder", "channel_")


def _table(diff: Any) -> str:
    """The table a compare_metadata diff is about (tuples: (op, obj) or (op, schema, table, ...))."""
    item = diff[0] if isinstance(diff, list) else diff
    obj = item[1]
    if isinstance(obj, Table):
        return str(obj.name)
    table = getattr(obj, "table", None)
    if table is not None:
        return str(table.name)
    if len(item) > 2 and isinstance(item[2], str):
        return item[2]
    return ""


def test_migration_matches_models(db: Database) -> None:
    load_all_models()
    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    mine = [d for d in diffs if _table(d).startswith(MINE) and not _sqlite_length_only(db, d)]
    assert mine == []


def _sqlite_length_only(db: Database, diff: Any) -> bool:
    """A VARCHAR length change on SQLite, which does not enforce lengths: migrations widen such
    columns on PostgreSQL only (on SQLite the change would recreate `workorders`, and dropping the
    old table cascades to its timeline, links and search tokens)."""
    item = diff[0] if isinstance(diff, list) else diff
    if db.engine.dialect.name != "sqlite" or item[0] != "modify_type":
        return False
    old, new = item[-2], item[-1]
    return isinstance(old, String) and isinstance(new, String)


def test_jobs_run(db: Database) -> None:
    assert jobs.sweep(db) == {"warning": 0, "supervision": 0, "escalation": 0}
    assert jobs.retrain(db) == {"category": 0, "department": 0}
    assert retry_pending(db) == 0  # the channels' job, run with the work orders' tables
    for _ in range(4):
        jobs.retrain(db)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(ClassifierModel)) == 2 * assist.KEEP_MODELS
    from hotline.plugins import all_jobs, default_plugins

    names = {j.name for j in all_jobs(default_plugins())}
    assert {"workorders.sweep_deadlines", "channels.retry_inbox"} <= names
