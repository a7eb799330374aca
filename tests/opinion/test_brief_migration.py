"""The opinion brief tables's migrations match its models: an autogenerate diff over its tables is empty."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hotline.store.base import Base
from hotline.store.db import Database
from hotline.store.registry import load_all_models


def _tables(item: Any) -> set[str]:
    found = set()
    for obj in item if isinstance(item, tuple | list) else (item,):
        table = getattr(obj, "table", None) or (obj if hasattr(obj, "columns") else None)
        if table is not None:
            found.add(str(table.name))
        elif isinstance(obj, str):
            found.add(obj)
    return found


def test_migration_matches_models(db: Database) -> None:
    load_all_models()
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    ours = [d for d in diff if any(t.startswith("opinion_brief_") for t in _tables(d))]
    assert ours == []
