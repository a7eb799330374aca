"""baresip stays registered with single-use, short-lived nonces.

Every refresh of a 10 s registration (every ~9 s) must be accepted: libre answers each challenge
with a fresh nonce and nc=1, which the replay check must not mistake for a replay, and no failure
may be counted towards a lockout.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.parallel import rtp_block
from tests.sip.harness import EngineThread
from tests.sip.test_baresip import ctrl, start_baresip

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def et(tmp_path: Path) -> Iterator[EngineThread]:
    engine = EngineThread(tmp_path, rtp_block(), nonce_ttl_seconds=5.0, auth_max_failures=1)
    engine.start()
    try:
        yield engine
    finally:
        engine.stop()


def test_baresip_refreshes_its_registration(et: EngineThread, tmp_path: Path) -> None:
    engine = et.engine
    assert engine is not None
    proc, ctrl_port = start_baresip(tmp_path, et.port, regint=10)
    try:

        def registrations() -> int:
            return sum(1 for e in list(et.events) if e.topic == "sip.registered")

        assert et.wait_for(lambda: registrations() >= 3, 45), et.topics()
        assert [b.contact for b in engine.registrar.lookup("2001")]
    finally:
        with contextlib.suppress(OSError):
            ctrl(ctrl_port, "quit")
        try:
            proc.wait(3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert "security.alert_raised" not in et.topics()
    assert engine.registrar.guard._table == {}  # not one failed digest counted
