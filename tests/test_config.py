"""Settings: defaults, hotline.toml, and HOTLINE_* variables winning over the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.config import Settings


def test_toml_then_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("HOTLINE_HTTP_PORT", "HOTLINE_SIP__PORT", "HOTLINE_DATABASE_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)
    assert Settings().http_port == 8080
    (tmp_path / "hotline.toml").write_text(
        'http_port = 9090\ndatabase_url = "sqlite:///x.db"\n[sip]\nport = 5070\nrealm = "city"\n',
        encoding="utf-8",
    )
    s = Settings()
    assert (s.http_port, s.sip.port, s.sip.realm, s.database_url) == (9090, 5070, "city", "sqlite:///x.db")
    monkeypatch.setenv("HOTLINE_HTTP_PORT", "9191")
    monkeypatch.setenv("HOTLINE_SIP__PORT", "5080")
    s = Settings()
    assert (s.http_port, s.sip.port, s.sip.realm) == (9191, 5080, "city")
