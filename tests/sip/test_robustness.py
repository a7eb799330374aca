"""Hostile and odd input over real sockets: 400/501/405/407, TCP framing, garbage, rate limiting."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from hotline.sip.message import SipResponse, parse_message
from tests.parallel import rtp_block
from tests.sip.harness import TRUNK_IP, EngineThread
from tests.sip.rawsip import options, udp_exchange

pytestmark = pytest.mark.timeout(60)


def test_options_answered(engine_thread: EngineThread) -> None:
    resp = udp_exchange(options(port=engine_thread.port), engine_thread.port)
    assert resp is not None and resp.status == 200
    assert "INVITE" in (resp.get("Allow") or "")


def test_unknown_and_unsupported_methods(engine_thread: EngineThread) -> None:
    resp = udp_exchange(options(method="FROBNICATE"), engine_thread.port)
    assert resp is not None and resp.status == 501
    resp = udp_exchange(options(method="MESSAGE"), engine_thread.port)
    assert resp is not None and resp.status == 405
    resp = udp_exchange(
        options(method="BYE").replace(b"To: <sip:hotline@127.0.0.1>", b"To: <sip:x@y>;tag=zz"),
        engine_thread.port,
    )
    assert resp is not None and resp.status == 481


def test_malformed_gets_400_or_is_dropped(engine_thread: EngineThread) -> None:
    port = engine_thread.port
    no_callid = b"\r\n".join(line for line in options().split(b"\r\n") if not line.startswith(b"Call-ID"))
    resp = udp_exchange(no_callid, port)
    assert resp is not None and resp.status == 400
    bad_cseq = options().replace(b"CSeq: 1 OPTIONS", b"CSeq: one OPTIONS")
    resp = udp_exchange(bad_cseq, port)
    assert resp is not None and resp.status == 400
    assert udp_exchange(b"\x00\x01garbage\xff" * 20, port, timeout=0.5) is None
    assert udp_exchange(b"SIP/2.0 200 OK\r\n\r\n", port, timeout=0.5) is None
    resp = udp_exchange(options(), port)
    assert resp is not None and resp.status == 200


def test_invite_from_non_trunk_needs_auth(engine_thread: EngineThread) -> None:
    invite = options(method="INVITE").replace(
        b"Content-Length: 0", b"Content-Type: application/sdp\r\nContent-Length: 0"
    )
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.9", 0))
        s.settimeout(2)
        s.sendto(invite, ("127.0.0.1", engine_thread.port))
        statuses = []
        for _ in range(2):
            msg = parse_message(s.recvfrom(65535)[0])
            assert isinstance(msg, SipResponse)
            statuses.append(msg.status)
            if msg.status >= 200:
                assert "Digest" in (msg.get("Proxy-Authenticate") or "")
                break
    assert statuses == [100, 407]


def test_tcp_content_length_framing(engine_thread: EngineThread) -> None:
    with socket.create_connection(("127.0.0.1", engine_thread.port), timeout=3) as s:
        a, b, c = options("tcp-a"), options("tcp-b"), options("tcp-c")
        # two messages in one segment, then one split in the middle of its headers, with keep-alives
        s.sendall(b"\r\n\r\n" + a + b + c[:40])
        time.sleep(0.1)
        s.sendall(c[40:])
        buf = b""
        deadline = time.monotonic() + 3
        while buf.count(b"SIP/2.0 200") < 3 and time.monotonic() < deadline:
            buf += s.recv(65535)
    assert buf.count(b"SIP/2.0 200 OK") == 3
    for cid in (b"tcp-a", b"tcp-b", b"tcp-c"):
        assert cid in buf


def test_rate_limit_per_source(tmp_path: Path) -> None:
    et = EngineThread(tmp_path, rtp_block(), rate_limit_per_second=20)
    et.start()
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.7", 0))
            s.settimeout(0.3)
            for i in range(300):
                s.sendto(options(f"flood-{i}"), ("127.0.0.1", et.port))
            answered = 0
            try:
                while True:
                    s.recvfrom(65535)
                    answered += 1
            except TimeoutError:
                pass
        assert 20 <= answered <= 120  # burst (2x rate) plus refill, the rest dropped unparsed
        engine = et.engine
        assert engine is not None
        assert et.wait_for(lambda: engine.stats["messages"] >= 300, 5), engine.stats
        assert engine.stats["rate_limited"] >= 300 - 120
        # another address is not affected
        resp = udp_exchange(options(), et.port, src="127.0.0.8")
        assert resp is not None and resp.status == 200
        # a configured trunk peer carries everyone's calls: it is never throttled
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((TRUNK_IP, 0))
            s.settimeout(0.5)
            for i in range(100):
                s.sendto(options(f"trunk-{i}"), ("127.0.0.1", et.port))
            answered = 0
            try:
                while True:
                    s.recvfrom(65535)
                    answered += 1
            except TimeoutError:
                pass
        assert answered == 100
    finally:
        et.stop()


def test_tcp_connection_flood_capped(engine_thread: EngineThread) -> None:
    engine = engine_thread.engine
    assert engine is not None
    tcp = engine.transports.tcp
    socks = []
    try:
        for _ in range(tcp.max_per_ip + 20):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.6", 0))
            s.connect(("127.0.0.1", engine_thread.port))
            socks.append(s)
        assert engine_thread.wait_for(lambda: tcp.refused >= 20, 5), tcp.refused
        assert sum(1 for a in list(tcp.connections) if a[0] == "127.0.0.6") == tcp.max_per_ip
    finally:
        for s in socks:
            s.close()
    # other addresses still get in, and the engine still talks TCP
    with socket.create_connection(("127.0.0.1", engine_thread.port), timeout=3) as s:
        s.sendall(options("after-flood"))
        assert b"SIP/2.0 200 OK" in s.recv(65535)
