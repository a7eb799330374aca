"""The client address: X-Forwarded-For is believed only from configured proxies."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from hotline.store.db import Database
from hotline.web.app import create_app
from hotline.web.clientip import resolve_client_ip
from tests.conftest import make_settings
from tests.server import start_server

PROXY = ("10.0.0.0/8",)


@pytest.mark.parametrize(
    ("peer", "header", "trusted", "expected"),
    [
        ("127.0.0.1", "6.6.6.6", (), "127.0.0.1"),  # nothing trusted by default, not even localhost
        ("203.0.113.9", "6.6.6.6", PROXY, "203.0.113.9"),  # peer is no proxy: header ignored
        ("10.0.0.2", "198.51.100.7", PROXY, "198.51.100.7"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.7", PROXY, "198.51.100.7"),  # client-written prefix ignored
        ("10.0.0.2", "198.51.100.7, 10.0.0.3", PROXY, "198.51.100.7"),  # chain of proxies
        ("10.0.0.2", "10.0.0.4, 10.0.0.3", PROXY, "10.0.0.4"),  # all proxies: left-most
        ("10.0.0.2", "not-an-ip", PROXY, "10.0.0.2"),
        ("10.0.0.2", None, PROXY, "10.0.0.2"),
        ("::ffff:10.0.0.2", "198.51.100.7", PROXY, "198.51.100.7"),
    ],
)
def test_resolve_client_ip(peer: str, header: str | None, trusted: tuple[str, ...], expected: str) -> None:
    assert resolve_client_ip(peer, header, trusted) == expected


def _login_ip(client: TestClient, auth: Callable[[str], dict[str, str]], xff: str) -> str:
    resp = client.post(
        "/api/auth/login",
        json={"username": "agent", "password": "password-agent"},
        headers={"X-Forwarded-For": xff},
    )
    assert resp.status_code == 200, resp.text
    client.cookies.clear()
    rows = client.get("/api/audit?action=login", headers=auth("admin")).json()["items"]
    ip: str = rows[0]["ip"]
    return ip


def test_forwarded_for_from_localhost_is_not_trusted_by_default(
    db: Database, tmp_root: Path, auth: Callable[[str], dict[str, str]]
) -> None:
    app = create_app(make_settings(db, tmp_root), db)
    with TestClient(app, base_url="https://testserver", client=("127.0.0.1", 5000)) as client:
        assert _login_ip(client, auth, "6.6.6.6") == "127.0.0.1"


def test_forwarded_for_from_configured_proxy(
    db: Database, tmp_root: Path, auth: Callable[[str], dict[str, str]]
) -> None:
    app = create_app(make_settings(db, tmp_root, trusted_proxies=["127.0.0.1"]), db)
    with TestClient(app, base_url="https://testserver", client=("127.0.0.1", 5000)) as client:
        assert _login_ip(client, auth, "6.6.6.6, 198.51.100.7") == "198.51.100.7"


def test_served_app_ignores_forwarded_for_from_localhost(
    sqlite_db: Database, tmp_path: Path, auth: Callable[[str], dict[str, str]]
) -> None:
    """`hotline serve` itself must not let uvicorn rewrite the peer from X-Forwarded-For."""
    proc, base = start_server(sqlite_db, tmp_path)
    try:
        with httpx.Client(base_url=base) as http:
            resp = http.post(
                "/api/auth/login",
                json={"username": "agent", "password": "password-agent"},
                headers={"X-Forwarded-For": "6.6.6.6"},
            )
            assert resp.status_code == 200, resp.text
            rows = http.get("/api/audit?action=login", headers=auth("admin")).json()["items"]
            assert rows[0]["ip"] == "127.0.0.1"
    finally:
        proc.terminate()
        proc.wait(20)
