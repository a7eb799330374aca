"""The articles used on a call are found through an index on `knowledge_events.call_id` (that the
migrations build what the models declare is tests/store/test_model_drift.py)."""

from __future__ import annotations

from sqlalchemy import inspect

from hotline.store.db import Database


def test_events_are_indexed_by_call(db: Database) -> None:
    indexes = {ix["name"]: ix["column_names"] for ix in inspect(db.engine).get_indexes("knowledge_events")}
    assert indexes.get("ix_knowledge_events_call_id") == ["call_id"]
