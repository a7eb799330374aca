"""The app announces insecure defaults and refuses them in production."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hotline.safety import InsecureDefaults
from hotline.store.db import Database
from hotline.web.app import create_app
from tests.conftest import make_settings


def test_development_warns_about_default_secret(
    sqlite_db: Database, tmp_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(make_settings(sqlite_db, tmp_root), sqlite_db)
    with caplog.at_level(logging.WARNING, "hotline.safety"), TestClient(app):
        pass
    assert any("secret_key" in r.getMessage() for r in caplog.records)


def test_production_refuses_default_secret(sqlite_db: Database, tmp_root: Path) -> None:
    app = create_app(make_settings(sqlite_db, tmp_root, env="production"), sqlite_db)
    with pytest.raises(InsecureDefaults, match="secret_key"), TestClient(app):
        pass
    app = create_app(make_settings(sqlite_db, tmp_root, env="production", secret_key="s" * 40), sqlite_db)
    with TestClient(app, base_url="https://testserver") as client:
        assert client.get("/healthz").status_code == 200
