"""An acknowledged write is committed before its response leaves (a real server, real sockets)."""

from __future__ import annotations

from pathlib import Path

import httpx

from hotline.store.db import Database
from tests.server import start_server


def test_read_after_acknowledged_write(sqlite_db: Database, tmp_path: Path) -> None:
    proc, base = start_server(sqlite_db, tmp_path, {"HOTLINE_COOKIE_SECURE": "false"})
    try:
        with httpx.Client(base_url=base, timeout=5) as client:
            for _ in range(40):
                client.cookies.clear()
                login = client.post(
                    "/api/auth/login", json={"username": "agent", "password": "password-agent"}
                )
                assert login.status_code == 200
                assert client.get("/api/auth/me").status_code == 200
    finally:
        proc.terminate()
        proc.wait(10)
