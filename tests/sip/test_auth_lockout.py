"""Password guessing over SIP: lockouts per (address, extension) and per address, doubling back-off.

A raw-UDP attacker guesses 1001's password; after the limit it gets 403 even with the right password,
the lockout is logged (without secrets) and published as a ``security.alert`` for the console, while
the real phone on another address keeps registering. Behind a trusted proxy the phone's own address
(bottom Via) is what gets locked, not the proxy. The back-off arithmetic is tested on its own with
explicit clocks.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline.logs import JsonFormatter
from hotline.sip.auth import client_authorization
from hotline.sip.message import SipRequest, SipResponse, parse_message
from hotline.sip.ratelimit import AuthFailureLimiter, Lockout, origin_ip
from tests.parallel import rtp_block
from tests.sip.harness import PASSWORDS, TRUNK_IP, EngineThread
from tests.sip_raw import final, register, request

MAX_FAILURES, MAX_IP_FAILURES = 3, 6


@pytest.fixture(scope="module")
def et(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineThread]:
    engine = EngineThread(
        Path(tmp_path_factory.mktemp("lockout")),
        rtp_block(),
        auth_max_failures=MAX_FAILURES,
        auth_max_ip_failures=MAX_IP_FAILURES,
    )
    engine.start()
    try:
        yield engine
    finally:
        engine.stop()


def udp(ip: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((ip, 0))
    sock.settimeout(5)
    return sock


def test_guessing_locks_out_the_guesser_not_the_phone(
    et: EngineThread, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    with udp("127.0.0.41") as attacker, udp("127.0.0.42") as desk:
        for i in range(MAX_FAILURES):
            assert register(attacker, et.port, "1001", f"guess-{i}") == 401
        # locked: refused before the credentials are even looked at, the right password included
        assert register(attacker, et.port, "1001", PASSWORDS["1001"]) == 403
        alert = et.wait_event("security.alert_raised", kind="sip_auth_lockout", source_ip="127.0.0.41")
        assert alert.data["extension"] == "1001" and alert.data["failures"] == MAX_FAILURES
        assert alert.data["seconds"] == et.settings.auth_lockout_seconds
        # the agent's real phone elsewhere is not affected
        assert register(desk, et.port, "1001", PASSWORDS["1001"]) == 200
        # nor is another extension from the attacker's address (not yet locked as a whole)
        assert register(attacker, et.port, "1002", PASSWORDS["1002"]) == 200
    locks = [r for r in caplog.records if getattr(r, "event", "") == "sip.lockout"]
    assert locks and locks[0].levelno == logging.WARNING
    line = json.loads(JsonFormatter().format(locks[0]))  # as `hotline serve` writes it
    assert (line["event"], line["source_ip"], line["extension"]) == ("sip.lockout", "127.0.0.41", "1001")
    assert line["failures"] == MAX_FAILURES and line["level"] == "warning"
    for record in caplog.records:
        text = record.getMessage() + str(record.__dict__)
        assert "guess-" not in text and PASSWORDS["1001"] not in text and "response=" not in text


def test_spraying_many_extensions_locks_the_address(et: EngineThread) -> None:
    with udp("127.0.0.43") as attacker:
        for i in range(MAX_IP_FAILURES):
            assert register(attacker, et.port, f"90{i:02d}", "guess") == 401  # one try per extension
        assert register(attacker, et.port, "9099", "guess") == 403
        assert register(attacker, et.port, "1002", PASSWORDS["1002"]) == 403
    alert = et.wait_event("security.alert_raised", source_ip="127.0.0.43", extension="")
    assert alert.data["failures"] == MAX_IP_FAILURES


def test_invite_guessing_counts_too(et: EngineThread) -> None:
    uri = f"sip:1003@127.0.0.1:{et.port}"

    def guess(sock: socket.socket, password: str) -> int:
        sock.sendto(request("INVITE", et.port, sock.getsockname(), "1003"), ("127.0.0.1", et.port))
        chal = final(sock)
        if chal.status != 407:
            return chal.status  # locked: not even challenged
        header = client_authorization(chal.get("Proxy-Authenticate") or "", "INVITE", uri, "1003", password)
        extra = f"Proxy-Authorization: {header}\r\n"
        sock.sendto(request("INVITE", et.port, sock.getsockname(), "1003", extra), ("127.0.0.1", et.port))
        return final(sock).status

    with udp("127.0.0.44") as attacker:
        assert [guess(attacker, f"x{i}") for i in range(MAX_FAILURES)] == [407] * MAX_FAILURES
        assert guess(attacker, PASSWORDS["1003"]) == 403
    et.wait_event("security.alert_raised", source_ip="127.0.0.44", extension="1003")


def relayed_register(proxy: socket.socket, port: int, phone_ip: str, auth: str = "") -> SipResponse:
    """A REGISTER for 1002 as a proxy relays it: its own Via on top, the phone's (with received) below."""
    host, pport = proxy.getsockname()
    msg = (
        f"REGISTER sip:1002@127.0.0.1:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {host}:{pport};branch=z9hG4bK{os.urandom(5).hex()}\r\n"
        f"Via: SIP/2.0/UDP 192.168.1.9:5060;branch=z9hG4bK{os.urandom(5).hex()};received={phone_ip}\r\n"
        "Max-Forwards: 69\r\nFrom: <sip:1002@127.0.0.1>;tag=ab\r\nTo: <sip:1002@127.0.0.1>\r\n"
        f"Call-ID: {os.urandom(6).hex()}\r\nCSeq: 1 REGISTER\r\nContact: <sip:1002@{phone_ip}:5060>\r\n"
        f"{auth}Content-Length: 0\r\n\r\n"
    )
    proxy.sendto(msg.encode(), ("127.0.0.1", port))
    return final(proxy)


def test_behind_a_trusted_proxy_the_phone_address_is_locked(et: EngineThread) -> None:
    uri = f"sip:1002@127.0.0.1:{et.port}"

    def attempt(proxy: socket.socket, phone_ip: str, password: str) -> int:
        chal = relayed_register(proxy, et.port, phone_ip)
        if chal.status != 401:
            return chal.status
        header = client_authorization(chal.get("WWW-Authenticate") or "", "REGISTER", uri, "1002", password)
        return relayed_register(proxy, et.port, phone_ip, f"Authorization: {header}\r\n").status

    with udp(TRUNK_IP) as proxy:
        for i in range(MAX_FAILURES):
            assert attempt(proxy, "10.0.0.66", f"guess{i}") == 401
        assert attempt(proxy, "10.0.0.66", PASSWORDS["1002"]) == 403
        assert attempt(proxy, "10.0.0.77", PASSWORDS["1002"]) == 200


def test_backoff_doubles_and_forgets() -> None:
    seen: list[Lockout] = []
    guard = AuthFailureLimiter(
        max_failures=2, max_ip_failures=0, lockout=10, max_lockout=25, on_lockout=seen.append
    )
    t = 1000.0
    assert guard.failed("1.2.3.4", "1001", t) == []
    assert [lk.seconds for lk in guard.failed("1.2.3.4", "1001", t)] == [10]
    assert guard.blocked("1.2.3.4", "1001", t + 9) == pytest.approx(1)
    assert guard.blocked("1.2.3.4", "1002", t + 9) == 0 and guard.blocked("5.6.7.8", "1001", t) == 0
    assert guard.blocked("1.2.3.4", "1001", t + 10) == 0
    for _ in range(2):
        guard.failed("1.2.3.4", "1001", t + 11)
    assert guard.blocked("1.2.3.4", "1001", t + 11) == 20  # doubled
    for _ in range(2):
        guard.failed("1.2.3.4", "1001", t + 40)
    assert guard.blocked("1.2.3.4", "1001", t + 40) == 25  # capped
    assert [lk.seconds for lk in seen] == [10, 20, 25]
    # failures spread wider than the window never add up
    slow = AuthFailureLimiter(max_failures=2, max_ip_failures=0, window=60)
    assert slow.failed("9.9.9.9", "1001", 0) == [] and slow.failed("9.9.9.9", "1001", 61) == []
    # the right password wipes earlier typos of that address for that extension
    guard.succeeded("1.2.3.4", "1001")
    assert guard.blocked("1.2.3.4", "1001", t + 40) == 0
    # idle entries are forgotten, so spoofed sources cannot grow the table
    guard.failed("7.7.7.7", "1001", t)
    guard.prune(t + 10_000)
    assert guard._table == {}


def test_table_is_bounded() -> None:
    guard = AuthFailureLimiter(max_failures=5, max_ip_failures=0, max_entries=100)
    for i in range(1000):
        guard.failed(f"10.0.{i // 256}.{i % 256}", "1001", 50.0)
    assert len(guard._table) <= 101


def test_origin_ip_only_trusts_proxies() -> None:
    raw = (
        "REGISTER sip:h SIP/2.0\r\nVia: SIP/2.0/UDP 10.1.1.1;branch=z9hG4bKa\r\n"
        "Via: SIP/2.0/UDP 192.168.1.2:5060;branch=z9hG4bKb;received=203.0.113.9\r\n"
        "From: <sip:a@h>;tag=1\r\nTo: <sip:a@h>\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\n"
        "Content-Length: 0\r\n\r\n"
    )
    req = parse_message(raw.encode())
    assert isinstance(req, SipRequest)
    assert origin_ip(req, "10.1.1.1", {"10.1.1.1"}) == "203.0.113.9"
    assert origin_ip(req, "10.1.1.1", set()) == "10.1.1.1"  # anyone else could forge that Via
