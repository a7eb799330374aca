"""Killing the call-center process mid-call: on restart the open call is marked ended by failure,
the finished call's complete recording is indexed and the cut one is salvaged (never lost)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from hotline.calls.models import Call, CallLeg, Recording
from hotline.store.db import Database
from tests.callcenter.rig import caller_xml, phone_xml, seed
from tests.parallel import rtp_block
from tests.sip.harness import PASSWORDS, PHONE_IP, Sipp, free_port, need

pytestmark = [pytest.mark.timeout(120), pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def _start(db: Database, port: int, data: Path, agent: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.callcenter.serve_cc",
            db.url,
            str(port),
            str(rtp_block(500)),
            str(data),
            str(agent),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


def _wait(pred: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def _calls(db: Database) -> list[Call]:
    with db.session() as s:
        return list(s.scalars(select(Call).order_by(Call.id)))


def test_kill_mid_call_leaves_consistent_cdrs(sqlite_db: Database, tmp_path: Path) -> None:
    need("sipp")
    agents = seed(sqlite_db)
    port = free_port()
    proc = _start(sqlite_db, port, tmp_path, agents["1001"])
    sipps: list[Sipp] = []
    try:
        phone_port = free_port(PHONE_IP)
        reg = Sipp(
            "register.xml",
            port,
            ip=PHONE_IP,
            port=phone_port,
            cwd=tmp_path,
            args=["-s", "1001", "-au", "1001", "-ap", PASSWORDS["1001"], "-m", "1"],
        )
        assert reg.run() == 0, reg.output
        (tmp_path / "phone.xml").write_text(phone_xml(200))
        phone = Sipp(
            str(tmp_path / "phone.xml"),
            port,
            ip=PHONE_IP,
            port=phone_port,
            cwd=tmp_path,
            args=["-s", "1001", "-m", "2"],
        )
        sipps.append(phone.start())
        time.sleep(0.3)
        (tmp_path / "short.xml").write_text(caller_xml("13800000011", "1", 1500))
        first = Sipp(str(tmp_path / "short.xml"), port, cwd=tmp_path, args=["-s", "12345", "-m", "1"])
        assert first.run() == 0, first.output
        _wait(lambda: len(_calls(sqlite_db)) == 1 and _calls(sqlite_db)[0].state == "ended")
        (tmp_path / "long.xml").write_text(caller_xml("13800000012", "1", None))
        second = Sipp(str(tmp_path / "long.xml"), port, cwd=tmp_path, args=["-s", "12345", "-m", "1"])
        sipps.append(second.start())
        _wait(lambda: len(_calls(sqlite_db)) == 2 and _calls(sqlite_db)[1].answered_at is not None)
        time.sleep(0.5)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert _calls(sqlite_db)[1].state == "active"  # what the crash left behind
        proc = _start(sqlite_db, port, tmp_path, agents["1001"])  # restart: recovery runs at startup
    finally:
        proc.kill()
        proc.wait(10)
        for sipp in sipps:
            sipp.kill()
    done, cut = _calls(sqlite_db)
    assert (done.state, done.outcome) == ("ended", "answered")
    assert (cut.state, cut.end_cause, cut.outcome) == ("failed", "system_failure", "failed")
    with sqlite_db.session() as s:
        open_legs = s.scalars(select(CallLeg).where(CallLeg.ended_at.is_(None))).all()
        recs = {r.call_uuid: (r.complete, Path(r.path)) for r in s.scalars(select(Recording))}
    assert open_legs == []
    assert recs[done.uuid][0] is True and recs[done.uuid][1].exists()
    assert recs[cut.uuid][0] is False and recs[cut.uuid][1].name.endswith(".partial.wav")
    assert not list((tmp_path / "recordings").rglob("*.part"))
