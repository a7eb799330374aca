"""`make run` on a warm install: /healthz answers within 60 s, the demo logins work, SIP answers."""

from __future__ import annotations

import os
import shutil
import signal
import smtplib
import socket
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest

from hotline.demo import DEMO_LOGINS
from tests.pg import free_port

ROOT = Path(__file__).resolve().parents[1]


def sip_options(port: int) -> str:
    call_id = uuid.uuid4().hex
    msg = (
        f"OPTIONS sip:hotline@127.0.0.1:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK{call_id[:10]}\r\n"
        "Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=1\r\n"
        f"To: <sip:hotline@127.0.0.1>\r\nCall-ID: {call_id}\r\nCSeq: 1 OPTIONS\r\n"
        "Content-Length: 0\r\n\r\n"
    )
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        s.sendto(msg.encode(), ("127.0.0.1", port))
        return s.recv(4096).decode(errors="replace")


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run(tmp_path: Path) -> None:
    http_port, sip_port, smtp_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "HOTLINE_DATA_DIR": str(tmp_path),
        "HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "HOTLINE_HTTP_PORT": str(http_port),
        "HOTLINE_SIP__PORT": str(sip_port),
        "HOTLINE_CHANNELS_MAILBOX_PORT": str(smtp_port),
    }
    log = (tmp_path / "make-run.log").open("wb")
    start = time.monotonic()
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{http_port}"
    try:
        healthy_after = None
        while time.monotonic() - start < 60 and proc.poll() is None:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    healthy_after = time.monotonic() - start
                    break
            except httpx.HTTPError:
                time.sleep(0.25)
        output = (tmp_path / "make-run.log").read_text(errors="replace")
        assert healthy_after is not None, f"no /healthz within 60 s:\n{output[-3000:]}"
        assert "demo logins" in output and "agent1" in output
        # Demo passwords and the shipped secret key are announced loudly, not silently served.
        assert "WARNING: insecure settings" in output and "demo passwords are still valid" in output
        for username, password, _role, _ext in DEMO_LOGINS:
            with httpx.Client(base_url=base) as client:
                resp = client.post("/api/auth/login", json={"username": username, "password": password})
                assert resp.status_code == 200, (username, resp.text)
        assert sip_options(sip_port).startswith("SIP/2.0 200")
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
            assert smtp.noop()[0] == 250
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
