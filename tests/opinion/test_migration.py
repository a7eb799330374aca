"""opinion_0003 marks the built-in source: on a database that already has it (and, from the race
it closes, a duplicate), the oldest wechat source becomes the built-in one, which every message
went to; the revision goes down again cleanly."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from hotline.store.migrate import downgrade, upgrade


def test_the_oldest_wechat_source_becomes_the_builtin_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'op.db'}"
    upgrade(url, "opinion_0002")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            for id_, kind in ((3, "feed"), (4, "wechat"), (5, "wechat")):
                conn.execute(
                    text(
                        "INSERT INTO opinion_sources (id, name, kind, url, enabled, every_seconds,"
                        " status, failures, items_total, version, created_at) VALUES (:id, 's', :kind,"
                        " 'u', 1, 900, 'ok', 0, 0, 1, '2026-12-01 00:00:00')"
                    ),
                    {"id": id_, "kind": kind},
                )
            conn.commit()
        upgrade(url, "opinion_0003")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, builtin FROM opinion_sources ORDER BY id")).all()
            assert [tuple(r) for r in rows] == [(3, None), (4, "wechat"), (5, None)]
        downgrade(url, "opinion_0002")
        assert "builtin" not in {c["name"] for c in inspect(engine).get_columns("opinion_sources")}
    finally:
        engine.dispose()
