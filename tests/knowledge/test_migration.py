"""The knowledge branch's migrations match its models (an autogenerate diff over its tables is
empty), and the articles used on a call are found through an index on `knowledge_events.call_id`."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

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
    ours = [d for d in diff if any(t.startswith("knowledge_") for t in _tables(d))]
    assert ours == []


def test_events_are_indexed_by_call(db: Database) -> None:
    indexes = {ix["name"]: ix["column_names"] for ix in inspect(db.engine).get_indexes("knowledge_events")}
    assert indexes.get("ix_knowledge_events_call_id") == ["call_id"]
