"""`hotline telephony` runs the telephony plug-in alone, from the list `hotline serve` uses: the
engine answers SIP, and SIGTERM stops the host (engine, credentials, pool) cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.sip.harness import free_port
from tests.test_cli import hotline
from tests.test_make_run import sip_options


def test_telephony_command_serves_sip_and_stops_on_sigterm(tmp_path: Path) -> None:
    assert hotline(tmp_path, "db", "upgrade").returncode == 0
    port = free_port()
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "HOTLINE_DATA_DIR": str(tmp_path),
        "HOTLINE_LOG_JSON": "false",
        "HOTLINE_SIP__PORT": str(port),
        "HOTLINE_SIP__RTP_PORT_MIN": "47000",
        "HOTLINE_SIP__RTP_PORT_MAX": "47098",
    }
    log = tmp_path / "telephony.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hotline.cli", "telephony"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 90
        while "listening on" not in log.read_text(errors="replace"):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.2)
        assert sip_options(port).startswith("SIP/2.0 200")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, log.read_text(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "stopping" in log.read_text(errors="replace")
