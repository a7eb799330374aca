"""RFC 3327 Path: a phone registered through a proxy is reached back through that proxy.

A raw-UDP "proxy" relays a REGISTER with its Path header; the binding keeps it, the 200 OK echoes it,
and the engine's INVITE and qualify OPTIONS to that phone go to the proxy carrying it as Route, with
the phone's contact (which the engine itself could never reach) as Request-URI.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline.sip.auth import client_authorization
from hotline.sip.message import SipRequest, SipResponse, parse_message
from tests.parallel import rtp_block
from tests.sip.harness import PASSWORDS, EngineThread

PHONE_CONTACT = "sip:1002@10.20.30.40:5062"


@pytest.fixture(scope="module")
def et(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineThread]:
    engine = EngineThread(Path(tmp_path_factory.mktemp("path")), rtp_block())
    engine.start()
    try:
        yield engine
    finally:
        engine.stop()


def relay_register(proxy: socket.socket, port: int, path: str, auth: str = "") -> SipResponse:
    host, pport = proxy.getsockname()
    msg = (
        f"REGISTER sip:127.0.0.1:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {host}:{pport};branch=z9hG4bK{os.urandom(5).hex()}\r\n"
        f"Via: SIP/2.0/UDP 10.20.30.40:5062;branch=z9hG4bK{os.urandom(5).hex()};received=10.20.30.40\r\n"
        f"Path: {path}\r\nSupported: path\r\nMax-Forwards: 69\r\n"
        "From: <sip:1002@127.0.0.1>;tag=p1\r\nTo: <sip:1002@127.0.0.1>\r\n"
        f"Call-ID: {os.urandom(6).hex()}\r\nCSeq: 1 REGISTER\r\nContact: <{PHONE_CONTACT}>\r\n"
        f"Expires: 300\r\n{auth}Content-Length: 0\r\n\r\n"
    )
    proxy.sendto(msg.encode(), ("127.0.0.1", port))
    reply = parse_message(proxy.recvfrom(65535)[0])
    assert isinstance(reply, SipResponse)
    return reply


def receive_request(sock: socket.socket, method: str) -> SipRequest:
    while True:
        msg = parse_message(sock.recvfrom(65535)[0])
        if isinstance(msg, SipRequest) and msg.method == method:
            return msg


def test_path_is_stored_and_used_as_route(et: EngineThread) -> None:
    engine = et.engine
    assert engine is not None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as proxy:
        proxy.bind(("127.0.0.51", 0))
        proxy.settimeout(5)
        path = f"<sip:127.0.0.51:{proxy.getsockname()[1]};lr>"
        chal = relay_register(proxy, et.port, path)
        assert chal.status == 401
        header = client_authorization(
            chal.get("WWW-Authenticate") or "",
            "REGISTER",
            f"sip:127.0.0.1:{et.port}",
            "1002",
            PASSWORDS["1002"],
        )
        ok = relay_register(proxy, et.port, path, f"Authorization: {header}\r\n")
        assert ok.status == 200 and ok.get_all("Path") == [path]
        (binding,) = engine.registrar.lookup("1002")
        assert binding.contact == PHONE_CONTACT and binding.path == (path,)

        async def ring() -> None:
            await engine.originate("1002", caller_id="13800000000")

        et.run(ring())
        invite = receive_request(proxy, "INVITE")
        assert invite.uri == PHONE_CONTACT and invite.get_all("Route") == [path]
        busy = (
            f"SIP/2.0 486 Busy Here\r\nVia: {invite.get('Via')}\r\nFrom: {invite.get('From')}\r\n"
            f"To: {invite.get('To')};tag=ph\r\nCall-ID: {invite.call_id}\r\nCSeq: 1 INVITE\r\n"
            "Content-Length: 0\r\n\r\n"
        )
        proxy.sendto(busy.encode(), ("127.0.0.1", et.port))
        ack = receive_request(proxy, "ACK")
        assert ack.get_all("Route") == [path]

        et.call_soon(engine.qualify)
        options = receive_request(proxy, "OPTIONS")
        assert options.uri == PHONE_CONTACT and options.get_all("Route") == [path]


def test_unusable_path_is_refused(et: EngineThread) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as proxy:
        proxy.bind(("127.0.0.52", 0))
        proxy.settimeout(5)
        chal = relay_register(proxy, et.port, "<mailto:x@y>")
        header = client_authorization(
            chal.get("WWW-Authenticate") or "",
            "REGISTER",
            f"sip:127.0.0.1:{et.port}",
            "1002",
            PASSWORDS["1002"],
        )
        assert relay_register(proxy, et.port, "<mailto:x@y>", f"Authorization: {header}\r\n").status == 400
