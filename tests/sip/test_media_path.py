"""The media path and in-dialog requests of a bridged call, driven by raw SIP/RTP on real sockets.

A trunk caller on 127.0.0.2 calls extension 1002, registered by an agent phone on 127.0.0.3; both
are :class:`RawUa`s, so the tests choose every Via branch, CSeq, SSRC and media port. They check that
spoofed RTP neither takes nor injects audio, that a new SSRC keeps the call alive, that re-INVITEs
from either side are answered in their own transaction and can move the media, and that an IPv6
offer is refused before answering.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client import generate_latest

from hotline.sip.leg import Leg
from hotline.sip.message import SipResponse, parse_via
from hotline.sip.sdp import parse_sdp
from tests.parallel import rtp_block
from tests.sip.harness import PASSWORDS, PHONE_IP, TRUNK_IP, EngineThread
from tests.sip.rawua import Dialog, RawUa, engine_rtp_port, udp_socket
from tests.sip_raw import register

pytestmark = pytest.mark.timeout(90)
EXT = "1002"
CALLER_AUDIO, AGENT_AUDIO, SPOOF = b"\x22" * 160, b"\x33" * 160, b"\x11" * 160
_AGENT_SEQ = itertools.count(20000)  # the agent's one stream keeps counting across talks


@dataclass
class Bridged:
    caller: RawUa
    agent: RawUa
    caller_dlg: Dialog
    agent_dlg: Dialog
    caller_port: int  # the engine's RTP port for the caller's leg
    agent_port: int  # ... and for the agent's leg
    caller_leg: Leg
    agent_leg: Leg


@pytest.fixture
def call(engine_thread: EngineThread) -> Iterator[Bridged]:
    yield from bridged_call(engine_thread)


def bridged_call(et: EngineThread) -> Iterator[Bridged]:
    engine = et.engine
    assert engine is not None
    bindings = engine.registrar.bindings
    et.call_soon(lambda: bindings.pop(EXT, None))  # earlier tests' phones are gone
    caller, agent = RawUa(TRUNK_IP, et.port), RawUa(PHONE_IP, et.port)
    try:
        assert register(agent.sip, et.port, EXT, PASSWORDS[EXT]) == 200
        caller_dlg = caller.invite(EXT, caller.sdp())
        agent_dlg, inv = agent.answer_incoming()
        ok = caller.answered(caller_dlg)
        assert ok.status == 200
        legs = {
            leg.direction: leg
            for c in list(engine.calls.values())
            for leg in c.legs
            if leg.dialog is not None and leg.dialog.call_id in (caller_dlg.call_id, agent_dlg.call_id)
        }
        assert et.wait_for(lambda: legs["inbound"].call.peer(legs["inbound"]) is legs["outbound"])
        try:
            yield Bridged(
                caller,
                agent,
                caller_dlg,
                agent_dlg,
                engine_rtp_port(ok),
                engine_rtp_port(inv),
                legs["inbound"],
                legs["outbound"],
            )
        finally:
            for ua, dlg in ((caller, caller_dlg), (agent, agent_dlg)):
                dlg.cseq += 1
                ua.send(ua.build("BYE", dlg, "z9hG4bKbye" + str(dlg.cseq)))
    finally:
        caller.close()
        agent.close()


def talk(
    b: Bridged, seconds: float, caller_ssrc: int = 0x1111, seq0: int = 1000, settle: float = 1.0
) -> dict[str, list[bytes]]:
    """Both parties send 20 ms packets for ``seconds``; what each of them received meanwhile and
    until nothing more arrived for ``settle`` seconds (a loaded engine relays late, in bursts)."""
    heard: dict[str, list[bytes]] = {"caller": [], "agent": []}

    def drain() -> bool:
        got_caller, got_agent = b.caller.payloads(), b.agent.payloads()
        heard["caller"] += got_caller
        heard["agent"] += got_agent
        return bool(got_caller or got_agent)

    for i in range(max(1, int(seconds / 0.02))):
        b.caller.send_rtp(b.caller_port, seq0 + i, caller_ssrc, CALLER_AUDIO)
        b.agent.send_rtp(b.agent_port, next(_AGENT_SEQ), 0x2222, AGENT_AUDIO)
        time.sleep(0.02)
        drain()
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < settle:
        if drain():
            quiet_since = time.monotonic()
        time.sleep(0.005)
    return heard


def test_spoofed_rtp_neither_takes_nor_injects_audio(engine_thread: EngineThread, call: Bridged) -> None:
    engine = engine_thread.engine
    assert engine is not None
    before = engine.stats.get("rtp_foreign_dropped", 0)
    attacker = udp_socket("127.0.0.5")
    same_ip_other_port = udp_socket(TRUNK_IP)
    try:
        # The attacker is first: a latch-to-anyone session would now send the caller's audio to it.
        for seq in range(5):
            call.caller.send_rtp(call.caller_port, 9000 + seq, 0xBAD, SPOOF, sock=attacker)
        heard = talk(call, 0.6)
        assert heard["caller"].count(AGENT_AUDIO) > 10, "the caller lost its audio"
        assert heard["agent"].count(CALLER_AUDIO) > 10
        # Once latched, neither another host nor another port of the caller's host gets in.
        for seq in range(5, 20):
            call.caller.send_rtp(call.caller_port, 9000 + seq, 0x1111, SPOOF, sock=attacker)
            call.caller.send_rtp(call.caller_port, 9000 + seq, 0x1111, SPOOF, sock=same_ip_other_port)
        heard2 = talk(call, 0.3, seq0=2000)
        assert heard2["caller"].count(AGENT_AUDIO) > 5
        attacker.settimeout(0.2)
        with pytest.raises(TimeoutError):
            attacker.recv(2048)  # nothing of the call ever went to the attacker
    finally:
        attacker.close()
        same_ip_other_port.close()
    assert SPOOF not in heard["agent"] + heard2["agent"], "spoofed audio was injected into the call"
    assert call.caller_leg.rtp.rx_foreign == 35
    assert engine.stats.get("rtp_foreign_dropped", 0) - before >= 35
    exported = generate_latest().decode()  # what /metrics serves
    line = next(x for x in exported.splitlines() if x.startswith("hotline_sip_rtp_foreign_dropped_total "))
    assert float(line.split()[1]) >= 35
    assert call.caller_leg.rtp.remote == call.caller.rtp.getsockname()


def test_new_ssrc_keeps_the_call_alive(tmp_path: Path) -> None:
    """A new stream restarting its numbering 1500 behind (re-INVITE, phone switching source) used to
    be dropped as "too late" for 30 s, and the call ended by rtp_timeout while audio flowed."""
    et = EngineThread(tmp_path, rtp_block(), rtp_timeout_seconds=1.5)
    et.start()
    try:
        gen = bridged_call(et)
        b = next(gen)
        first = talk(b, 0.4, caller_ssrc=0xA, seq0=5000, settle=0.3)  # well inside the RTP timeout
        assert first["agent"].count(CALLER_AUDIO) > 10
        second = talk(b, 3.0, caller_ssrc=0xB, seq0=3500, settle=0.3)  # twice the RTP timeout
        assert second["agent"].count(CALLER_AUDIO) > 100, "the new stream was not relayed"
        assert b.caller_leg.state == "answered", [e.data for e in et.events if e.topic == "leg.ended"]
        assert b.caller_leg.rtp.ssrc_changes == 1
        gen.close()
        hangup = et.wait_event("leg.ended", leg_id=b.caller_leg.id)
        assert hangup.data["cause"] == "remote_hangup"
        assert hangup.data["rtp"]["ssrc_changes"] == 1 and hangup.data["rtp"]["foreign_dropped"] == 0
    finally:
        et.stop()


def _check_in_transaction(resp: SipResponse, branch: str, cseq: int, to: str) -> None:
    assert resp.status == 200, resp.status
    assert resp.get("CSeq") == f"{cseq} INVITE"
    assert parse_via(resp.get("Via") or "").branch == branch
    assert resp.get("To") == to


def test_caller_reinvite_moves_media_and_refreshes_session(
    engine_thread: EngineThread, call: Bridged
) -> None:
    assert talk(call, 0.3)["caller"].count(AGENT_AUDIO) > 5  # latched on the first port
    moved = udp_socket(TRUNK_IP)
    try:
        new_port = int(moved.getsockname()[1])
        extra = "Session-Expires: 1800\r\nSupported: timer\r\n"
        branch = call.caller.reinvite(call.caller_dlg, call.caller.sdp(port=new_port), extra)
        resp = call.caller.answered(call.caller_dlg)
        _check_in_transaction(resp, branch, 2, call.caller_dlg.remote)
        assert resp.get("Session-Expires") == "1800;refresher=uac" and resp.get("Require") == "timer"
        # We never refresh: asked to (refresher=uas), we set no session timer at all.
        branch = call.caller.reinvite(
            call.caller_dlg, call.caller.sdp(port=new_port), "Session-Expires: 1800;refresher=uas\r\n"
        )
        resp = call.caller.answered(call.caller_dlg)
        _check_in_transaction(resp, branch, 3, call.caller_dlg.remote)
        assert resp.get("Session-Expires") is None
        got: list[bytes] = []
        for i in range(25):
            call.agent.send_rtp(call.agent_port, next(_AGENT_SEQ), 0x2222, AGENT_AUDIO)
            call.caller.send_rtp(call.caller_port, 3000 + i, 0x1111, CALLER_AUDIO, sock=moved)
            time.sleep(0.02)
            got += call.caller.payloads(sock=moved)
        got += call.caller.payloads(sock=moved, wait=1.0)
        assert got.count(AGENT_AUDIO) > 10, "RTP did not follow the re-INVITE to the new port"
        assert call.agent.payloads(wait=1.0).count(CALLER_AUDIO) > 10  # and the new port is latched
        assert call.caller_leg.rtp.remote == moved.getsockname()
    finally:
        moved.close()


def test_agent_phone_hold_and_unhold(engine_thread: EngineThread, call: Bridged) -> None:
    """baresip's hold: the agent's phone (whose INVITE came from us) re-INVITEs with sendonly."""
    et = engine_thread
    engine = et.engine
    assert engine is not None
    for direction, relayed, answer in (
        ("sendonly", "sendonly", "recvonly"),
        ("sendrecv", "sendrecv", "sendrecv"),
    ):
        branch = call.agent.reinvite(call.agent_dlg, call.agent.sdp(direction))
        to_caller = call.caller.answer_reinvite()  # the hold is relayed to the caller first
        assert parse_sdp(to_caller.body).direction == relayed
        resp = call.agent.answered(call.agent_dlg)
        _check_in_transaction(resp, branch, call.agent_dlg.cseq, call.agent_dlg.remote)
        assert parse_sdp(resp.body).direction == answer
        key = (call.agent_dlg.call_id, call.agent_dlg.cseq)
        assert et.wait_for(
            lambda key=key: engine.tx.accepted.get(key) is None or engine.tx.accepted[key].state == "acked"
        )
    hold = et.wait_event("leg.held", leg_id=call.agent_leg.id)
    assert hold.data["by"] == "remote" and hold.data["direction"] == "sendonly"
    et.wait_event("leg.resumed", leg_id=call.agent_leg.id)


def test_reinvite_with_ipv6_media_is_refused_and_call_goes_on(
    engine_thread: EngineThread, call: Bridged
) -> None:
    branch = call.caller.reinvite(call.caller_dlg, call.caller.sdp(family="IP6"))
    resp = call.caller.answered(call.caller_dlg)
    assert resp.status == 488 and parse_via(resp.get("Via") or "").branch == branch
    assert (resp.get("Warning") or "").startswith("301 ")
    assert talk(call, 0.3)["agent"].count(CALLER_AUDIO) > 5


def test_ipv6_offer_refused_before_answering(engine_thread: EngineThread) -> None:
    et = engine_thread
    assert et.engine is not None
    et.clear()

    async def answer(leg: Leg) -> None:
        await leg.answer()  # an IVR answers at once: the offer must be refused before this

    et.engine.on_inbound = answer
    caller = RawUa(TRUNK_IP, et.port)
    try:
        dlg = caller.invite("600", caller.sdp(family="IP6"))
        resp = caller.answered(dlg)
    finally:
        caller.close()
        et.engine.on_inbound = None
    assert resp.status == 488
    assert (resp.get("Warning") or "").startswith("301 ")
    assert "call.arrived" not in et.topics() and "leg.answered" not in et.topics()


def test_offerless_reinvite_answered_in_the_ack(engine_thread: EngineThread, call: Bridged) -> None:
    """A re-INVITE without SDP (a session refresh by some carriers): our 200 carries an offer and the
    caller's ACK the answer - here moving its media, which the RTP must follow."""
    moved = udp_socket(TRUNK_IP)
    try:
        branch = call.caller.reinvite(call.caller_dlg, "")
        resp = call.caller.final("INVITE")
        _check_in_transaction(resp, branch, call.caller_dlg.cseq, call.caller_dlg.remote)
        assert parse_sdp(resp.body).port == call.caller_port  # our offer: same media as before
        call.caller.ack(call.caller_dlg, call.caller.sdp(port=int(moved.getsockname()[1])))
        assert engine_thread.wait_for(lambda: call.caller_leg.rtp.expected == moved.getsockname())
        for _ in range(10):
            call.agent.send_rtp(call.agent_port, next(_AGENT_SEQ), 0x2222, AGENT_AUDIO)
        assert call.caller.payloads(sock=moved, wait=1.0).count(AGENT_AUDIO) > 0
    finally:
        moved.close()


def test_ipv6_answer_from_agent_phone_ends_its_leg(engine_thread: EngineThread) -> None:
    """An agent phone answering with IPv6 media could carry no audio: BYE it, never bridge it."""
    et = engine_thread
    engine = et.engine
    assert engine is not None
    et.clear()
    bindings = engine.registrar.bindings
    et.call_soon(lambda: bindings.pop(EXT, None))
    caller, agent = RawUa(TRUNK_IP, et.port), RawUa(PHONE_IP, et.port)
    try:
        assert register(agent.sip, et.port, EXT, PASSWORDS[EXT]) == 200
        dlg = caller.invite(EXT, caller.sdp())
        agent.answer_incoming(family="IP6")
        bye = agent.request_in("BYE")
        agent.respond(bye, 200, "OK")
        assert caller.answered(dlg).status >= 400
    finally:
        caller.close()
        agent.close()
    hangup = et.wait_event("leg.ended", direction="outbound", cause="codec")
    assert hangup.data["previous_state"] != "answered"
    bridged = [e for e in list(et.events) if e.topic == "call.bridged"]
    assert all(e.data["call_id"] != hangup.data["call_id"] for e in bridged)
