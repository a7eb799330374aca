"""workforce_0002 turns leave into requests: leave planners entered before it stays approved
(version 1), and the revision goes down again cleanly."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from hotline.store.migrate import downgrade, upgrade


def test_leave_entered_before_requests_stays_approved(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'wf.db'}"
    upgrade(url, "workforce_0001")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, username, display_name, password_hash, role, active,"
                    " created_at, updated_at, version) VALUES (7, 'a7', '座席7', 'x', 'agent', 1,"
                    " '2026-03-01 00:00:00', '2026-03-01 00:00:00', 1)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO workforce_leaves (user_id, first_day, last_day, kind, note, created_at)"
                    " VALUES (7, '2026-03-02', '2026-03-03', 'annual', '', '2026-03-01 00:00:00')"
                )
            )
            conn.commit()
        upgrade(url, "workforce_0002")
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT state, version, start_minute, decision_note FROM workforce_leaves")
            )
            assert row.one() == ("approved", 1, None, "")
        downgrade(url, "workforce_0001")
        columns = {c["name"] for c in inspect(engine).get_columns("workforce_leaves")}
        assert "state" not in columns and "version" not in columns
    finally:
        engine.dispose()
