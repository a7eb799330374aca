"""Oversized UDP datagrams are refused (513) from their first headers, never parsed in full.

A flood of 60 KB SIP datagrams used to be parsed on the loop that also relays RTP (up to ~16 ms each
for a long Via list), cutting the audio of every call to a few packets per second in time; the
figures are in bench/sip_flood.py and bench/RESULTS.md.
"""

from __future__ import annotations

import socket

import pytest
from prometheus_client import generate_latest

from hotline.sip.message import MAX_UDP_MESSAGE, parse_head, parse_message, parse_via, split_list
from tests.sip.harness import TRUNK_IP, EngineThread
from tests.sip.rawsip import options, udp_exchange

pytestmark = pytest.mark.timeout(60)


def big_invite(size: int) -> bytes:
    head = (
        "INVITE sip:9999@127.0.0.1 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 127.0.0.2:5070;branch=z9hG4bKbig1\r\n"
        "From: <sip:x@127.0.0.2>;tag=f\r\nTo: <sip:9999@127.0.0.1>\r\nCall-ID: big-1\r\nCSeq: 7 INVITE\r\n"
    )
    vias = ""
    i = 0
    while len(head) + len(vias) < size:
        vias += f"Via: SIP/2.0/UDP 10.0.0.{i % 250}:5060;branch=z9hG4bK{i}, "
        vias += f"SIP/2.0/UDP 10.1.0.1;branch=x{i}\r\n"
        i += 1
    return (head + vias + "Content-Length: 0\r\n\r\n").encode()


def test_oversized_datagram_gets_513_in_its_transaction(engine_thread: EngineThread) -> None:
    et = engine_thread
    engine = et.engine
    assert engine is not None
    et.clear()
    before = engine.stats.get("too_large", 0)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((TRUNK_IP, 0))  # a trunk peer is never rate limited: the size cap must hold alone
        s.settimeout(3)
        s.sendto(big_invite(60_000), ("127.0.0.1", et.port))
        msg = parse_message(s.recvfrom(65535)[0])
        assert getattr(msg, "status", None) == 513  # the first answer: not even a 100 Trying
        s.sendto(b"\xff" * 60_000, ("127.0.0.1", et.port))  # not even SIP: dropped, no answer
        s.settimeout(0.5)
        with pytest.raises(TimeoutError):
            s.recvfrom(65535)
    assert msg.get("CSeq") == "7 INVITE" and parse_via(msg.get("Via") or "").branch == "z9hG4bKbig1"
    assert engine.stats.get("too_large", 0) - before == 2
    assert "hotline_sip_too_large_total " in generate_latest().decode()  # exported in /metrics
    assert "call.arrived" not in et.topics()
    # a message just under the cap is still an ordinary request
    resp = udp_exchange(options(port=et.port), et.port)
    assert resp is not None and resp.status == 200
    assert len(big_invite(MAX_UDP_MESSAGE - 200)) <= MAX_UDP_MESSAGE


def test_parse_head_reads_only_the_first_headers() -> None:
    data = big_invite(60_000)
    msg = parse_head(data)
    assert msg.get("Call-ID") == "big-1" and msg.body == b""
    assert len(msg.to_bytes()) < 4500  # only what fits in the first 4 KB
    body = b"OPTIONS sip:a@b SIP/2.0\r\nCall-ID: c\r\nContent-Length: 900\r\n\r\nshort"
    assert parse_head(body).get("Call-ID") == "c"  # a lying Content-Length does not matter here
    bare = b"OPTIONS sip:a@b SIP/2.0\nCall-ID: d\nContent-Length: 3\n\nv=0"
    assert parse_head(bare).get("Call-ID") == "d" and parse_head(bare).body == b""


@pytest.mark.parametrize(
    "value",
    [
        "SIP/2.0/UDP a;branch=1, SIP/2.0/UDP b;branch=2",
        " x ,, y ,",
        '"A, B" <sip:a@b>, <sip:c@d;x=1,2>',
        "<sip:a@b>,<sip:c@d>",
    ],
)
def test_split_list_fast_path_agrees_with_the_full_scan(value: str) -> None:
    plain = [p.strip() for p in value.split(",") if p.strip()]
    expected = {
        " x ,, y ,": ["x", "y"],
        '"A, B" <sip:a@b>, <sip:c@d;x=1,2>': ['"A, B" <sip:a@b>', "<sip:c@d;x=1,2>"],
        "<sip:a@b>,<sip:c@d>": ["<sip:a@b>", "<sip:c@d>"],
    }.get(value, plain)
    assert split_list(value) == expected
