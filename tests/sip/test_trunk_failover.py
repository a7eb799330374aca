"""Trunk failover against SIPp "carriers": the first answers 503 (or stays silent), the call goes out
through the next one; each trunk's health follows, down and back up announced on the bus."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest

from hotline.sip.message import SipRequest, make_response, parse_message
from hotline.sip.trunks import Trunk
from tests.parallel import rtp_block
from tests.sip.harness import TRUNK_IP, EngineThread, Sipp, free_port

pytestmark = pytest.mark.slow


def _two_carriers(et: EngineThread, first: int, second: int, **creds: tuple[str, str]) -> None:
    engine = et.engine
    assert engine is not None
    backup = Trunk("backup", f"{TRUNK_IP}:{second}", creds.get("backup"))
    trunks = [Trunk("main", f"{TRUNK_IP}:{first}"), backup]
    et.call_soon(lambda: engine.configure_trunks({TRUNK_IP}, trunks))
    assert et.wait_for(lambda: len(engine.trunks.trunks) == 2)


def test_503_from_the_first_carrier_goes_to_the_next(tmp_path: Path) -> None:
    et = EngineThread(tmp_path, rtp_block(), trunk_down_after=1)
    engine = et.start()
    first, second = free_port(TRUNK_IP), free_port(TRUNK_IP)
    failing = Sipp("uas_503.xml", et.port, port=first, args=["-m", "1"]).start()
    working = Sipp("uas_trunk_auth.xml", et.port, port=second, args=["-m", "1"]).start()
    _two_carriers(et, first, second, backup=("trunkuser", "trunkpw"))
    time.sleep(0.3)  # SIPp binds its port
    try:
        leg = et.run(engine.originate("12345"))
        assert et.run(leg.wait_answered(15)), leg.cause
        moved = et.wait_event("leg.rerouted", leg_id=leg.id)
        hop = (moved.data["from_trunk"], moved.data["to_trunk"], moved.data["status"])
        assert hop == ("main", "backup", 503)
        down = et.wait_event("trunk.failed", trunk="main")
        assert down.data["reason"] == "status_503"
        health = {t.name: engine.trunks.health[t.target] for t in engine.trunks.trunks}
        assert (health["main"].up, health["main"].failure_ratio) == (False, 1.0)
        assert (health["backup"].up, health["backup"].failure_ratio) == (True, 0.0)
        # The next call tries the trunk that is up first.
        assert [t.name for t in engine.trunks.order()] == ["backup", "main"]
        et.run(leg.hangup("normal"))
        assert failing.wait(10) == 0, failing.output
        assert working.wait(10) == 0, working.output
    finally:
        failing.kill()
        working.kill()
        et.stop()


def test_a_silent_carrier_is_left_after_t_and_comes_back_with_options(tmp_path: Path) -> None:
    et = EngineThread(tmp_path, rtp_block(), trunk_down_after=1, trunk_failover_seconds=1.0)
    engine = et.start()
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind((TRUNK_IP, 0))
    silent.settimeout(0.2)
    second = free_port(TRUNK_IP)
    working = Sipp("uas_answer.xml", et.port, port=second, args=["-m", "1"]).start()
    _two_carriers(et, silent.getsockname()[1], second)
    time.sleep(0.3)
    try:
        leg = et.run(engine.originate("12345"))
        assert et.run(leg.wait_answered(15)), leg.cause
        moved = et.wait_event("leg.rerouted", leg_id=leg.id)
        assert moved.data["status"] == 408 and moved.data["to_trunk"] == "backup"
        et.wait_event("trunk.failed", trunk="main")

        # The carrier answers OPTIONS again: marked up, announced.
        stop = threading.Event()

        def answer_options() -> None:
            while not stop.is_set():
                try:
                    data, addr = silent.recvfrom(65535)
                except TimeoutError:
                    continue
                req = parse_message(data)
                if isinstance(req, SipRequest) and req.method == "OPTIONS":
                    silent.sendto(make_response(req, 200, "OK", to_tag="c").to_bytes(), addr)

        pinger = threading.Thread(target=answer_options, daemon=True)
        pinger.start()
        et.call_soon(engine.qualify)
        et.wait_event("trunk.recovered", trunk="main")
        stop.set()
        pinger.join(2)
        assert [t.name for t in engine.trunks.order()] == ["main", "backup"]
        et.run(leg.hangup("normal"))
        assert working.wait(10) == 0, working.output
    finally:
        silent.close()
        working.kill()
        et.stop()
