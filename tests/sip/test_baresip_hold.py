"""baresip as the agent phone puts the caller on hold and resumes: its re-INVITEs reach us on the leg
we originated (we were its UAC), are relayed to the caller, and are answered in their own transaction.

Before the fix the engine hit an AssertionError on that leg and sent only 100 Trying, so baresip's
hold never completed. The caller is a :class:`RawUa` trunk so it can answer the relayed re-INVITEs.
"""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path

import pytest

from hotline.sip.sdp import parse_sdp
from tests.sip.harness import TRUNK_IP, EngineThread
from tests.sip.rawua import RawUa
from tests.sip.test_baresip import ctrl, start_baresip

pytestmark = pytest.mark.timeout(90)


def test_baresip_agent_hold_and_resume(engine_thread: EngineThread, tmp_path: Path) -> None:
    et = engine_thread
    assert et.engine is not None
    et.clear()
    proc, ctrl_port = start_baresip(tmp_path, et.port)
    caller = RawUa(TRUNK_IP, et.port)
    try:
        et.wait_event("sip.registered", timeout=15, extension="2001")
        dlg = caller.invite("2001", caller.sdp())
        et.wait_event("leg.ringing_started", timeout=10, direction="outbound")
        if not et.wait_for(lambda: "leg.answered" in et.topics(), 1.5):
            ctrl(ctrl_port, "accept")  # answermode=auto is unreliable in baresip 1.0
        assert caller.answered(dlg).status == 200
        agent = et.wait_event("leg.answered", direction="outbound")

        ctrl(ctrl_port, "hold")
        held = caller.answer_reinvite(timeout=15)  # relayed to the caller before baresip is answered
        assert parse_sdp(held.body).direction in ("sendonly", "inactive")
        hold = et.wait_event("leg.held", leg_id=agent.data["leg_id"])  # published once the 200 is sent
        assert hold.data["by"] == "remote"

        ctrl(ctrl_port, "resume")
        resumed = caller.answer_reinvite(timeout=15)
        assert parse_sdp(resumed.body).direction == "sendrecv"
        et.wait_event("leg.resumed", leg_id=agent.data["leg_id"])
        accepted = et.engine.tx.accepted
        # baresip took both 200s as answers to its re-INVITEs: it ACKed them (no 200 left unACKed)
        assert et.wait_for(lambda: all(tx.state != "accepted" for tx in list(accepted.values())), 10)
        dlg.cseq += 1
        caller.send(caller.build("BYE", dlg, "z9hG4bKbaresipbye"))
        et.wait_event("call.ended", call_id=agent.data["call_id"])
    finally:
        caller.close()
        with contextlib.suppress(OSError):
            ctrl(ctrl_port, "quit")
        try:
            proc.wait(3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
