"""The surveys migrations match the models: an autogenerate diff over the surveys' tables is empty."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hotline.store.base import Base
from hotline.store.db import Database
from hotline.store.registry import load_all_models

OURS = {
    "surveys",
    "survey_versions",
    "survey_links",
    "survey_responses",
    "survey_answers",
    "survey_interviews",
    "survey_campaigns",
    "survey_dial_attempts",
    "survey_do_not_call",
    "survey_voice_answers",
    "survey_invites",
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
