"""A tiny raw SIP client over real loopback sockets, for robustness tests (OPTIONS, garbage, TCP framing)."""

from __future__ import annotations

import os
import socket

from hotline.sip.message import SipResponse, parse_message


def options(
    call_id: str | None = None, method: str = "OPTIONS", host: str = "127.0.0.1", port: int = 5060
) -> bytes:
    cid = call_id or os.urandom(6).hex()
    return (
        f"{method} sip:hotline@{host}:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK{os.urandom(6).hex()}\r\n"
        "From: <sip:probe@127.0.0.1>;tag=p1\r\n"
        f"To: <sip:hotline@{host}>\r\n"
        f"Call-ID: {cid}\r\n"
        f"CSeq: 1 {method}\r\n"
        "Max-Forwards: 70\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode()


def udp_exchange(
    data: bytes, port: int, *, src: str = "127.0.0.1", timeout: float = 2.0
) -> SipResponse | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((src, 0))
        s.settimeout(timeout)
        s.sendto(data, ("127.0.0.1", port))
        try:
            reply, _ = s.recvfrom(65535)
        except TimeoutError:
            return None
    msg = parse_message(reply, strict=False)
    assert isinstance(msg, SipResponse)
    return msg
