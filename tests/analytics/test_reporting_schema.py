"""The reporting schema on PostgreSQL: every view answers, and every view and column has its
Chinese comment (what Metabase/Superset show as descriptions)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from hotline.analytics import rollup
from hotline.store.db import Database
from tests.analytics.helpers import add_order, categories


def test_views_answer_with_chinese_comments(db: Database) -> None:
    if not db.url.startswith("postgresql"):
        pytest.skip("the reporting schema is PostgreSQL's (SQLite has no schemas or comments)")
    cats = categories(db)
    with db.session() as s:
        add_order(
            s, category_id=cats[0], district="东城区", department_id=1, channel="phone", state="accepted"
        )
    rollup.catch_up(db)
    with db.engine.connect() as conn:
        row = conn.execute(
            text("SELECT category, district, department, orders FROM reporting.orders_by_day")
        ).one()
        assert row == ("类1", "东城区", "养老服务处", 1)
        for view in ("calls_by_hour", "calls_by_agent", "hotspots"):
            conn.execute(text(f"SELECT * FROM reporting.{view} LIMIT 1")).all()
        missing = conn.execute(
            text(
                "SELECT c.table_name, c.column_name FROM information_schema.columns c "
                "JOIN pg_class v ON v.relname = c.table_name JOIN pg_namespace n ON n.oid = v.relnamespace "
                "AND n.nspname = 'reporting' WHERE c.table_schema = 'reporting' "
                "AND col_description(v.oid, c.ordinal_position) IS NULL"
            )
        ).all()
        assert missing == []
        views = conn.execute(
            text(
                "SELECT c.relname, obj_description(c.oid) FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname = 'reporting' AND c.relkind = 'v'"
            )
        ).all()
        assert len(views) == 4 and all(
            (comment and "汇总" in comment) or "热点" in comment for _, comment in views
        )
