"""A real `hotline serve` process on a free loopback port, for tests and benchmarks that need
real sockets (crash, commit order, latency)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from hotline.store.db import Database
from tests.pg import free_port


def start_server(
    db: Database, tmp: Path, extra_env: dict[str, str] | None = None, timeout: float = 90
) -> tuple[subprocess.Popen[bytes], str]:
    """Start the server on `db` (SIP and jobs off) and wait for /healthz; returns (process, base URL)."""
    port = free_port()
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": db.url,
        "HOTLINE_DATA_DIR": str(tmp),
        "HOTLINE_HTTP_PORT": str(port),
        "HOTLINE_SIP__ENABLED": "false",
        "HOTLINE_LOG_JSON": "false",
        "HOTLINE_JOBS_ENABLED": "false",
        "HOTLINE_MAILBOX_ENABLED": "false",
        **(extra_env or {}),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "hotline.cli", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"server did not become healthy in {timeout:.0f} s")
