"""More SIPp flows: SIP INFO DTMF, REFER blind transfer, a trunk call over TCP, dead-RTP timeout."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.sip.leg import Leg
from tests.sip.harness import EngineThread, Sipp
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
    assert [e.data["method"] for e in et.events if e.topic == "dtmf"][-2:] == ["info", "info"]


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
    assert "leg.hold" in et.topics()  # the caller heard music while the target rang


def test_trunk_call_over_tcp(engine_thread: EngineThread) -> None:
    et = engine_thread
    et.clear()
    uas = phone(et, "uas_answer.xml")
    trunk_call(et, "uac_call.xml", args=["-t", "t1"])
    assert uas.wait(20) == 0, uas.output
    et.wait_event("call.ended")


def test_dead_rtp_ends_call(tmp_path: Path) -> None:
    et = EngineThread(tmp_path, 44000, rtp_timeout_seconds=1.5)
    engine = et.start()
    try:

        async def answer(leg: Leg) -> None:
            await leg.answer()

        engine.on_inbound = answer
        sipp = Sipp("uac_wait_bye.xml", et.port, args=["-s", "700", "-m", "1"])
        assert sipp.run(30) == 0, sipp.output  # the caller sends no RTP and receives our BYE
        hangup = et.wait_event("leg.hangup", cause="rtp_timeout")
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
