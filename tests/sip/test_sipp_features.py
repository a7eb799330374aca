"""More SIPp flows: SIP INFO DTMF, REFER blind transfer, a trunk call over TCP, dead-RTP timeout."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from hotline.media import g711
from hotline.sip.leg import Leg
from tests.parallel import rtp_block
from tests.sip.harness import TRUNK_IP, EngineThread, Sipp, free_port
from tests.sip.test_sipp_calls import phone, trunk_call

pytestmark = pytest.mark.timeout(120)


def test_info_dtmf(engine_thread: EngineThread) -> None:
    et = engine_thread
    assert et.engine is not None
    got: list[str] = []

    async def ivr(leg: Leg) -> None:
        await leg.answer()
        got.append(await leg.collect_digits(max_digits=5, timeout=3, terminators="#"))

    et.engine.on_inbound = ivr
    try:
        trunk_call(et, "uac_info.xml", ext="600")
        assert et.wait_for(lambda: bool(got), 10)
    finally:
        et.engine.on_inbound = None
    assert got == ["4"]  # "#" terminates collection
    assert [e.data["method"] for e in et.events if e.topic == "leg.digit_received"][-2:] == ["info", "info"]


def test_refer_blind_transfer(engine_thread: EngineThread, tmp_path: Path) -> None:
    et = engine_thread
    et.clear()
    transferor = phone(et, "uas_refer.xml", ext="1001")
    target = phone(et, "uas_answer.xml", ext="1002")
    (tmp_path / "tone.ulaw").write_bytes(b"\xff" * 24000)
    sipp = Sipp("uac_rtp.xml", et.port, args=["-s", "1001", "-m", "1"], cwd=tmp_path)
    assert sipp.run() == 0, sipp.output
    assert transferor.wait(20) == 0, transferor.output
    assert target.wait(20) == 0, target.output
    moved = et.wait_event("call.transferred")
    ended = et.wait_event("call.ended", call_id=moved.data["call_id"])
    causes = {leg["leg_id"]: leg["cause"] for leg in ended.data["legs"]}
    assert causes[moved.data["from"]] == "transferred"
    assert causes[moved.data["to"]] == "peer_hangup"
    assert "leg.held" in et.topics()  # the caller heard music while the target rang


def test_trunk_call_over_tcp(engine_thread: EngineThread) -> None:
    et = engine_thread
    et.clear()
    uas = phone(et, "uas_answer.xml")
    trunk_call(et, "uac_call.xml", args=["-t", "t1"])
    assert uas.wait(20) == 0, uas.output
    et.wait_event("call.ended")


def test_dead_rtp_ends_call(tmp_path: Path) -> None:
    et = EngineThread(tmp_path, rtp_block(), rtp_timeout_seconds=1.5)
    engine = et.start()
    try:

        async def answer(leg: Leg) -> None:
            await leg.answer()

        engine.on_inbound = answer
        sipp = Sipp("uac_wait_bye.xml", et.port, args=["-s", "700", "-m", "1"])
        assert sipp.run(30) == 0, sipp.output  # the caller sends no RTP and receives our BYE
        hangup = et.wait_event("leg.ended", cause="rtp_timeout")
        assert 1.5 <= hangup.data["talk_seconds"] <= 6
        et.wait_event("call.ended")
    finally:
        et.stop()


def test_parallel_fork_to_all_contacts(engine_thread: EngineThread) -> None:
    """Extension 1003 has a desk phone (rings, never answers) and a softphone (answers)."""
    et = engine_thread
    et.clear()
    desk = phone(et, "uas_ring.xml", ext="1003")
    soft = phone(et, "uas_answer.xml", ext="1003", keep_others=True)
    assert et.engine is not None and len(et.engine.registrar.lookup("1003")) == 2
    trunk_call(et, "uac_call.xml", ext="1003")
    assert desk.wait(20) == 0, desk.output  # got its CANCEL
    assert soft.wait(20) == 0, soft.output  # answered, got the BYE
    ended = et.wait_event("call.ended")
    causes = sorted(leg["cause"] for leg in ended.data["legs"])
    assert causes == ["answered_elsewhere", "peer_hangup", "remote_hangup"]


def test_late_offer_invite_without_sdp(engine_thread: EngineThread) -> None:
    et = engine_thread
    assert et.engine is not None
    answered: list[Leg] = []

    async def answer(leg: Leg) -> None:
        await leg.answer()
        answered.append(leg)

    et.engine.on_inbound = answer
    try:
        trunk_call(et, "uac_late_offer.xml", ext="800")
    finally:
        et.engine.on_inbound = None
    assert answered and answered[0].remote_media is not None
    assert answered[0].pt == 8  # the PCMA answer carried in the ACK was applied


def test_early_media_relayed_before_answer(engine_thread: EngineThread, tmp_path: Path) -> None:
    """The called side sends 183 with SDP and a tone before answering; the caller (echoing what it
    hears back to us) must have received that tone before the call was answered."""
    et = engine_thread
    et.clear()
    t = np.arange(8000 * 3) / 8000
    (tmp_path / "tone.ulaw").write_bytes(
        g711.ulaw_encode((np.sin(2 * np.pi * 800 * t) * 6000).astype(np.int16))
    )
    heard: list[float] = []
    answered: list[float] = []

    def on_event(event: object) -> None:
        topic = getattr(event, "topic", "")
        data = getattr(event, "data", {})
        if topic == "leg.answered" and data.get("direction") == "inbound":
            answered.append(time.monotonic())
        if topic == "call.arrived" and et.engine is not None:
            call = et.engine.calls.get(data["call_id"])
            if call is not None:
                call.legs[0].audio_taps.append(lambda _leg, _pkt: heard.append(time.monotonic()))

    unsubscribe = et.bus.subscribe("*", on_event)
    try:
        far = phone(et, "uas_early.xml", ext="1001", cwd=tmp_path)
        caller = Sipp(
            "uac_early.xml",
            et.port,
            args=["-s", "1001", "-m", "1", "-rtp_echo", "-mp", str(free_port(TRUNK_IP))],
        )
        assert caller.run(30) == 0, caller.output
        assert far.wait(20) == 0, far.output
    finally:
        et.call_soon(unsubscribe)
    et.wait_event("call.ended")
    assert answered, et.topics()
    early = [t for t in heard if t < answered[0]]
    assert len(early) > 40, (len(early), len(heard))  # > 0.8 s of the 1.5 s of early media came back
    assert any(e.topic == "leg.ringing_started" and e.data.get("early_media") for e in et.events)
