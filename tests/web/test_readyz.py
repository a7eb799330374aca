"""`/readyz` proves the write path: a read-only database or a full disk is "not ready", even though
the database still answers SELECT 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hotline.store.db import Database
from hotline.web.app import create_app
from tests.conftest import make_settings
from tests.parallel import worker_name
from tests.pg import PgCluster
from tests.tmpfs import fill, small_tmpfs


def test_readyz_is_not_ready_when_the_database_refuses_writes(
    request: pytest.FixtureRequest, tmp_root: Path
) -> None:
    cluster: PgCluster = request.getfixturevalue("pg")
    template = request.getfixturevalue("pg_template")
    name = worker_name("readonly_probe")
    cluster.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    db = Database(cluster.url(name))
    app = create_app(make_settings(db, tmp_root), db)
    try:
        with TestClient(app) as client:
            assert client.get("/readyz").status_code == 200
            cluster.execute(f"ALTER DATABASE {name} SET default_transaction_read_only = on")
            app.state.health_db.engine.dispose()  # new connections pick the setting up
            with db.engine.connect() as conn:  # reads still work: SELECT 1 would say "ready"
                assert conn.exec_driver_sql("SELECT 1").scalar() == 1
            ready = client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["code"] == "not_ready"
            assert ready.json()["checks"]["database"].startswith("error")
    finally:
        db.dispose()


def test_readyz_is_not_ready_when_the_disk_is_full(sqlite_db: Database, tmp_root: Path) -> None:
    with small_tmpfs(tmp_root / "full-disk", "1m") as data:
        app = create_app(make_settings(sqlite_db, data), sqlite_db)
        with TestClient(app) as client:
            assert client.get("/readyz").status_code == 200
            fill(data)
            ready = client.get("/readyz")
            assert ready.status_code == 503
            failed = [k for k, v in ready.json()["checks"].items() if v != "ok"]
            assert failed and all(k.startswith("disk:") for k in failed)
            assert client.get("/healthz").status_code == 200
