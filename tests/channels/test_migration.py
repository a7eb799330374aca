"""Migration 0110_channels_intake_hardening on both databases: the schema matches the models
(types included), and inbox rows stored as text before it keep their content as bytes after it
(and back on downgrade)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from hotline.store.base import Base
from hotline.store.db import Database
from hotline.store.migrate import downgrade, upgrade
from hotline.store.registry import load_all_models
from tests.parallel import worker_name
from tests.pg import PgCluster

_names = itertools.count()


def _about_us(diff: Any) -> bool:
    item = diff[0] if isinstance(diff, list) else diff
    return any(
        (isinstance(x, str) and x.startswith("channel_"))
        or str(getattr(getattr(x, "table", None), "name", "")).startswith("channel_")
        or getattr(x, "name", None) == "contact_address"
        for x in item
    )


def test_schema_matches_models_with_types(db: Database) -> None:
    load_all_models()
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(ctx, Base.metadata)
    assert [d for d in diffs if _about_us(d)] == []


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'm.db'}"
    cluster: PgCluster = request.getfixturevalue("pg")
    name = worker_name(f"mig{next(_names)}")
    cluster.execute(f"CREATE DATABASE {name}")
    return cluster.url(name)


def test_text_raw_becomes_the_same_bytes(empty_url: str) -> None:
    upgrade(empty_url, "0100_workorders")
    engine = create_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO channel_inbox (channel, external_id, sender, body, raw, status, attempts,"
                " received_at) VALUES ('sms', 'old-1', '13800001111', '老数据', :raw, 'processed', 1,"
                " CURRENT_TIMESTAMP)"
            ),
            {"raw": '{"text": "老数据"}'},
        )
    upgrade(empty_url, "0110_channels_intake_hardening")
    with engine.connect() as conn:
        raw = conn.execute(text("SELECT raw FROM channel_inbox")).scalar_one()
    assert bytes(raw) == '{"text": "老数据"}'.encode()
    downgrade(empty_url, "0100_workorders")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT raw FROM channel_inbox")).scalar_one() == '{"text": "老数据"}'
    engine.dispose()
