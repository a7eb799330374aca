"""The migrations build exactly the tables the models declare, on both databases: a model edited
without its migration (or a migration that forgot a column's type) shows up here, not in production.

SQLite exceptions are named: it does not enforce VARCHAR lengths, and 0140 widened two columns on
PostgreSQL only (changing a type there would recreate `workorders` and cascade to its children)."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hotline.store.base import Base
from hotline.store.db import Database
from hotline.store.registry import load_all_models

SQLITE_ONLY = {("workorders", "satisfaction"), ("workorder_return_visits", "satisfaction")}


def _describe(diff: Any) -> tuple[str, ...]:
    """One line per difference: (kind, table, column) for column changes, (kind, name) otherwise."""
    if isinstance(diff, list):  # column modifications come as a list of tuples
        return tuple(str(part) for part in diff[0][:4])
    kind, obj = diff[0], diff[1]
    return (kind, str(getattr(obj, "name", obj)))


def test_migrations_match_the_models(db: Database) -> None:
    load_all_models()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    left = []
    for diff in diffs:
        if isinstance(diff, list) and db.engine.dialect.name == "sqlite":
            _, _, table, column = diff[0][:4]
            if (table, column) in SQLITE_ONLY:
                continue
        left.append(_describe(diff))
    assert left == []
