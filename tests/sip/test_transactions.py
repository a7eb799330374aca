"""Transaction timers and retransmission absorption, seen from real UDP sockets.

- A client INVITE to a silent peer is retransmitted with doubling intervals (Timer A) and given up
  after 64*T1 (Timer B) as a 408, which ends the leg with cause ``no_answer``.
- A retransmitted INVITE or OPTIONS is absorbed: one call, one identical response.
- Originating via the outbound trunk reaches an external number; API hold plays music on hold.
"""

from __future__ import annotations

import itertools
import socket
import struct
import threading
import time
from pathlib import Path

import pytest

from hotline.sip.message import SipRequest, SipResponse, make_response, parse_message
from hotline.sip.transaction import Timers
from tests.parallel import rtp_block
from tests.sip.harness import PHONE_IP, TRUNK_IP, EngineThread, Sipp, free_port
from tests.sip.rawsip import options

pytestmark = pytest.mark.timeout(60)
SO_TIMESTAMPNS = 35  # Linux: stamp each datagram with its arrival time (SCM_TIMESTAMPNS)


def test_invite_timer_a_and_b(tmp_path: Path) -> None:
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    silent.settimeout(0.2)
    # Arrivals are the kernel's receive times, not when this thread got round to reading them: on
    # a busy box the reading thread could be 150 ms late for one packet, which shrank or stretched
    # a measured gap although the engine had sent on time.
    silent.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    et = EngineThread(tmp_path, rtp_block())
    et.start()
    assert et.engine is not None
    et.engine.tx.timers = Timers(t1=0.1, t2=4.0, t4=5.0)
    try:
        target = f"sip:9@127.0.0.1:{silent.getsockname()[1]}"
        leg = et.run(et.engine.originate(target))
        arrivals: list[float] = []
        t0 = time.monotonic()
        while time.monotonic() - t0 < 7.0:
            try:
                data, ancillary, _, _ = silent.recvmsg(65535, socket.CMSG_SPACE(16))
            except TimeoutError:
                continue
            msg = parse_message(data)
            assert isinstance(msg, SipRequest) and msg.method == "INVITE"
            (_, _, stamp), *_ = ancillary
            seconds, nanoseconds = struct.unpack("qq", stamp[:16])
            arrivals.append(seconds + nanoseconds / 1e9)
        gaps = [b - a for a, b in itertools.pairwise(arrivals)]
        # 64*T1 = 6.4 s: sent at 0, .1, .3, .7, 1.5, 3.1, 6.3 - each interval doubling (Timer A)
        assert 6 <= len(arrivals) <= 7, arrivals
        expected = [0.1 * 2**k for k in range(len(gaps))]
        # Each retransmission waits its doubled interval, never less (a late engine loop may wait
        # longer: each timer starts when the previous send ran). Fewer or more doublings than
        # that would change the number of sends before Timer B, checked above.
        assert all(g >= e - 0.005 for g, e in zip(gaps, expected, strict=True)), gaps
        et.wait_event("leg.ended", cause="no_answer", leg_id=leg.id)
    finally:
        silent.close()
        et.stop()


def test_retransmissions_absorbed(engine_thread: EngineThread) -> None:
    et = engine_thread
    engine = et.engine
    assert engine is not None
    calls_before = len([e for e in et.events if e.topic == "call.arrived"])
    sdp = (
        b"v=0\r\no=- 1 1 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
    )
    invite = (
        options(method="INVITE")
        .replace(b"127.0.0.1:9;", b"127.0.0.2:9;")
        .replace(b"sip:hotline@", b"sip:8888@")
        .replace(
            b"Content-Length: 0\r\n\r\n",
            b"Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n" % len(sdp),
        )
        + sdp
    )
    opts = options()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((TRUNK_IP, 0))
        s.settimeout(1.0)
        for data in (invite, invite, opts, opts):
            s.sendto(data, ("127.0.0.1", et.port))
            time.sleep(0.05)
        replies: list[SipResponse] = []
        try:
            while True:
                msg = parse_message(s.recvfrom(65535)[0])
                assert isinstance(msg, SipResponse)
                replies.append(msg)
        except TimeoutError:
            pass
    statuses = sorted((r.cseq[1], r.status) for r in replies)
    # INVITE finals are all the same 404 (nobody has 8888), re-sent for the copy and by Timer G
    finals = [s for m, s in statuses if m == "INVITE" and s >= 200]
    assert finals and set(finals) == {404}
    assert [s for m, s in statuses if m == "OPTIONS"] == [200, 200]
    to_tags = {r.get("To") for r in replies if r.cseq[1] == "OPTIONS"}
    assert len(to_tags) == 1  # the retransmission got the very same response back
    assert len([e for e in et.events if e.topic == "call.arrived"]) == calls_before + 1


def test_outbound_trunk_and_music_on_hold(tmp_path: Path) -> None:
    trunk_port = free_port(TRUNK_IP)
    et = EngineThread(tmp_path, rtp_block(), outbound_trunk=f"{TRUNK_IP}:{trunk_port}")
    engine = et.start()
    carrier = Sipp("uas_answer.xml", et.port, ip=TRUNK_IP, port=trunk_port, args=["-m", "1"]).start()
    time.sleep(0.3)
    try:
        leg = et.run(engine.originate("120", caller_id="12345"))
        assert et.run(leg.wait_answered(10))
        et.run(leg.hold())
        sent = leg.rtp.tx_packets
        time.sleep(0.5)
        assert leg.rtp.tx_packets - sent >= 20  # music on hold is flowing
        et.run(leg.unhold())
        topics = et.topics()
        assert "leg.held" in topics and "leg.resumed" in topics
        et.run(leg.hangup("normal"))
        assert carrier.wait(10) == 0, carrier.output
        et.wait_event("call.ended")
    finally:
        carrier.kill()
        et.stop()


def test_outbound_trunk_digest_challenge(tmp_path: Path) -> None:
    """The carrier answers our INVITE with 401; the engine retries once with its trunk credentials."""
    trunk_port = free_port(TRUNK_IP)
    et = EngineThread(tmp_path, rtp_block(), outbound_trunk=f"{TRUNK_IP}:{trunk_port}")
    engine = et.start()
    engine.trunk_credentials = ("trunkuser", "trunkpw")
    carrier = Sipp("uas_trunk_auth.xml", et.port, ip=TRUNK_IP, port=trunk_port, args=["-m", "1"]).start()
    time.sleep(0.3)
    try:
        leg = et.run(engine.originate("119"))
        assert et.run(leg.wait_answered(10)), leg.cause
        et.run(leg.hangup("normal"))
        assert carrier.wait(10) == 0, carrier.output
    finally:
        carrier.kill()
        et.stop()


def test_qualify_drops_contacts_that_stopped_answering(tmp_path: Path) -> None:
    """OPTIONS keep-alive: a phone that is gone is unregistered, a live one (SIPp answers pings) stays."""
    from tests.sip.test_sipp_calls import register

    et = EngineThread(tmp_path, rtp_block())
    engine = et.start()
    engine.tx.timers = Timers(t1=0.05, t2=4.0, t4=5.0)  # Timer F = 3.2 s
    engine.qualify_interval = 0
    dead, live = free_port(PHONE_IP), free_port(PHONE_IP)
    register(et, "1001", dead)  # SIPp exits after registering: nobody listens there any more
    register(et, "1001", live)
    # the live phone: a plain socket on the registered port that answers OPTIONS with 200
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((PHONE_IP, live))
    sock.settimeout(0.2)
    stop = threading.Event()

    def answer_pings() -> None:
        while not stop.is_set():
            try:
                data, addr = sock.recvfrom(65535)
            except TimeoutError:
                continue
            req = parse_message(data)
            if isinstance(req, SipRequest) and req.method == "OPTIONS":
                sock.sendto(make_response(req, 200, "OK", to_tag="p").to_bytes(), addr)

    pinger = threading.Thread(target=answer_pings, daemon=True)
    pinger.start()
    try:
        assert len(engine.registrar.lookup("1001")) == 2
        et.call_soon(engine.qualify)
        gone = et.wait_event("sip.unregistered", timeout=8)
        assert gone.data["contact"] == f"sip:1001@{PHONE_IP}:{dead}"
        time.sleep(0.5)
        assert [b.contact for b in engine.registrar.lookup("1001")] == [f"sip:1001@{PHONE_IP}:{live}"]
    finally:
        stop.set()
        pinger.join(2)
        sock.close()
        et.stop()
