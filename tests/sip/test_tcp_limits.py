"""SIP over TCP cannot be starved by idle or half-open connections: a flood from one address is
capped and a phone elsewhere still registers; idle connections and half-sent messages (slowloris)
are closed; a phone's CRLF keep-alives keep its connection open.

The engine runs with short timeouts so the test waits for the closing (event-driven, with a
deadline) instead of for minutes.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hotline.sip.auth import client_authorization
from hotline.sip.message import SipResponse, parse_message
from tests.parallel import rtp_block
from tests.sip.harness import PASSWORDS, EngineThread
from tests.sip_raw import request

pytestmark = pytest.mark.timeout(120)
FLOOD_IP, PHONE_IP = "127.0.0.21", "127.0.0.22"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[EngineThread]:
    et = EngineThread(
        tmp_path,
        rtp_block(),
        tcp_idle_seconds=1.5,
        tcp_message_seconds=1.0,
        tcp_max_per_ip=8,
        tcp_max_connections=24,
    )
    et.start()
    try:
        yield et
    finally:
        et.stop()


def closed_by_server(sock: socket.socket) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True  # reset


def wait_until(pred: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


def read_response(sock: socket.socket) -> SipResponse:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65535)
        assert chunk, "connection closed before a response"
        data += chunk
    msg = parse_message(data)
    assert isinstance(msg, SipResponse)
    return msg


def tcp_register(sock: socket.socket, sip_port: int, extension: str, password: str) -> int:
    src = sock.getsockname()

    def send(extra: str) -> SipResponse:
        req = request("REGISTER", sip_port, src, extension, extra).replace(b"SIP/2.0/UDP", b"SIP/2.0/TCP")
        req = req.replace(
            f"<sip:{extension}@{src[0]}:{src[1]}>".encode(),
            f"<sip:{extension}@{src[0]}:{src[1]};transport=tcp>".encode(),
        )
        sock.sendall(req)
        while True:
            resp = read_response(sock)
            if resp.status >= 200:
                return resp

    challenge = send("Expires: 300\r\n")
    if challenge.status != 401:
        return challenge.status
    uri = f"sip:{extension}@127.0.0.1:{sip_port}"
    answer = client_authorization(
        challenge.get("WWW-Authenticate") or "", "REGISTER", uri, extension, password
    )
    return send(f"Expires: 300\r\nAuthorization: {answer}\r\n").status


def connect_from(ip: str, port: int) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((ip, 0))
    s.connect(("127.0.0.1", port))
    return s


def test_flood_from_one_address_is_capped_and_idle_connections_are_closed(engine: EngineThread) -> None:
    assert engine.engine is not None
    tcp = engine.engine.transports.tcp
    flood = [connect_from(FLOOD_IP, engine.port) for _ in range(tcp.max_per_ip + 10)]
    try:
        assert engine.wait_for(lambda: tcp.refused >= 10, 10), tcp.refused
        assert tcp.per_ip[FLOOD_IP] == tcp.max_per_ip
        # A phone elsewhere still gets in and registers over TCP.
        with connect_from(PHONE_IP, engine.port) as phone:
            phone.settimeout(10)
            assert tcp_register(phone, engine.port, "1001", PASSWORDS["1001"]) == 200
        # The flood never completes a message: every connection is closed by the server.
        assert wait_until(lambda: all(closed_by_server(s) for s in flood))
        assert engine.wait_for(lambda: tcp.per_ip[FLOOD_IP] == 0, 10)
        assert tcp.timed_out >= tcp.max_per_ip
    finally:
        for s in flood:
            s.close()


def test_global_cap_then_recovery_after_idle_close(engine: EngineThread) -> None:
    assert engine.engine is not None
    tcp = engine.engine.transports.tcp
    socks = [connect_from(f"127.0.0.{30 + i // 8}", engine.port) for i in range(tcp.max_connections + 4)]
    try:
        assert engine.wait_for(lambda: tcp.refused >= 4, 10)
        assert len(tcp.connections) == tcp.max_connections
        assert wait_until(lambda: all(closed_by_server(s) for s in socks))
    finally:
        for s in socks:
            s.close()
    with connect_from(PHONE_IP, engine.port) as phone:
        phone.settimeout(10)
        assert tcp_register(phone, engine.port, "1002", PASSWORDS["1002"]) == 200


def test_half_sent_message_is_closed_and_keepalives_keep_a_phone(engine: EngineThread) -> None:
    assert engine.engine is not None
    with connect_from(FLOOD_IP, engine.port) as slow, connect_from(PHONE_IP, engine.port) as phone:
        phone.settimeout(10)
        assert tcp_register(phone, engine.port, "1003", PASSWORDS["1003"]) == 200
        slow.sendall(b"REGISTER sip:1001@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP")  # and never more
        # The phone pings (RFC 5626 double CRLF) more often than the idle timeout, until the slow
        # sender has been dropped: the phone's connection outlives it.
        deadline = time.monotonic() + 20
        while not closed_by_server(slow) and time.monotonic() < deadline:
            phone.sendall(b"\r\n\r\n")
            time.sleep(0.2)
        assert closed_by_server(slow)
        phone.setblocking(True)
        phone.settimeout(10)
        assert tcp_register(phone, engine.port, "1003", PASSWORDS["1003"]) == 200
