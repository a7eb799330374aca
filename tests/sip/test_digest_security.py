"""Raw SIP over UDP against the engine: a sniffed Authorization header is worthless.

Each test plays a phone (and an eavesdropper) with hand-written SIP: a captured REGISTER or INVITE
digest replayed from another address, a digest computed for another Request-URI, an RFC 2069 digest
without qop, and a genuine but expired nonce (which must get a fresh challenge with stale=true).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline.sip.auth import client_authorization, parse_auth_params
from tests.parallel import rtp_block
from tests.sip.harness import PASSWORDS, EngineThread
from tests.sip_raw import final, request


@pytest.fixture(scope="module")
def et(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineThread]:
    engine = EngineThread(Path(tmp_path_factory.mktemp("digest")), rtp_block())
    engine.start()
    try:
        yield engine
    finally:
        engine.stop()


def phone(ip: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((ip, 0))
    sock.settimeout(5)
    return sock


def challenged(
    sock: socket.socket, port: int, method: str, user: str, from_user: str = ""
) -> tuple[str, str]:
    """Send ``method`` without credentials; (challenge header name, challenge)."""
    sock.sendto(request(method, port, sock.getsockname(), user, from_user=from_user), ("127.0.0.1", port))
    resp = final(sock)
    assert resp.status in (401, 407), resp.status
    name = "WWW-Authenticate" if resp.status == 401 else "Proxy-Authenticate"
    return name, resp.get(name) or ""


def send(sock: socket.socket, port: int, method: str, user: str, extra: str, from_user: str = "") -> int:
    sock.sendto(
        request(method, port, sock.getsockname(), user, extra, from_user=from_user), ("127.0.0.1", port)
    )
    return final(sock).status


def test_replayed_register_digest_is_refused(et: EngineThread) -> None:
    assert et.engine is not None
    uri = f"sip:1003@127.0.0.1:{et.port}"
    with phone("127.0.0.3") as desk, phone("127.0.0.21") as attacker:
        _, chal = challenged(desk, et.port, "REGISTER", "1003")
        header = client_authorization(chal, "REGISTER", uri, "1003", PASSWORDS["1003"])
        assert send(desk, et.port, "REGISTER", "1003", f"Expires: 300\r\nAuthorization: {header}\r\n") == 200
        # the eavesdropper re-sends the sniffed header to bind 1003 to its own address
        status = send(attacker, et.port, "REGISTER", "1003", f"Expires: 300\r\nAuthorization: {header}\r\n")
        assert status == 401
        contacts = [b.contact for b in et.engine.registrar.lookup("1003")]
        assert contacts and not any("127.0.0.21" in c for c in contacts)


def test_replayed_invite_digest_is_refused(et: EngineThread) -> None:
    uri = f"sip:1002@127.0.0.1:{et.port}"
    with phone("127.0.0.3") as desk, phone("127.0.0.22") as attacker, phone("127.0.0.3") as desk2:
        name, chal = challenged(desk, et.port, "INVITE", "1002", "1003")
        assert name == "Proxy-Authenticate"
        header = client_authorization(chal, "INVITE", uri, "1003", PASSWORDS["1003"])
        auth = f"Proxy-Authorization: {header}\r\n"
        # accepted: routed, and 1002 is not registered here
        assert send(desk2, et.port, "INVITE", "1002", auth, "1003") == 404
        assert send(attacker, et.port, "INVITE", "1002", auth, "1003") == 407


def test_authenticated_phone_cannot_call_as_another_extension(et: EngineThread) -> None:
    uri = f"sip:1002@127.0.0.1:{et.port}"
    et.clear()
    with phone("127.0.0.3") as desk, phone("127.0.0.3") as desk2:
        _, chal = challenged(desk, et.port, "INVITE", "1002", "1001")
        header = client_authorization(chal, "INVITE", uri, "1003", PASSWORDS["1003"])
        # 1003's own valid credentials, but From says 1001: a spoofed caller ID, refused
        assert send(desk2, et.port, "INVITE", "1002", f"Proxy-Authorization: {header}\r\n", "1001") == 403
    assert "call.arrived" not in et.topics()


def test_digest_for_another_request_uri_is_refused(et: EngineThread) -> None:
    with phone("127.0.0.3") as desk, phone("127.0.0.3") as desk2:
        _, chal = challenged(desk, et.port, "INVITE", "1002", "1003")
        # a digest computed for 1002, sent to 120 (what an eavesdropper would do with a captured one)
        header = client_authorization(
            chal, "INVITE", f"sip:1002@127.0.0.1:{et.port}", "1003", PASSWORDS["1003"]
        )
        assert send(desk2, et.port, "INVITE", "120", f"Proxy-Authorization: {header}\r\n", "1003") == 407


def test_digest_without_qop_is_refused(et: EngineThread) -> None:
    uri = f"sip:1003@127.0.0.1:{et.port}"
    with phone("127.0.0.3") as desk:
        _, chal = challenged(desk, et.port, "REGISTER", "1003")
        nonce = parse_auth_params(chal)["nonce"]
        rfc2069 = f'Digest realm="hotline", nonce="{nonce}"'
        header = client_authorization(rfc2069, "REGISTER", uri, "1003", PASSWORDS["1003"])
        assert "qop" not in header
        assert send(desk, et.port, "REGISTER", "1003", f"Authorization: {header}\r\n") == 401


def test_expired_nonce_gets_fresh_challenge_with_stale(et: EngineThread) -> None:
    assert et.engine is not None
    uri = f"sip:1001@127.0.0.1:{et.port}"
    # 90 s: nonces are short-lived (a sniffed one soon useless), 60 s by default
    assert et.engine.auth.ttl == et.settings.nonce_ttl_seconds <= 60
    old = et.engine.auth.new_nonce(time.time() - 90)
    chal = f'Digest realm="hotline", nonce="{old}", qop="auth"'
    header = client_authorization(chal, "REGISTER", uri, "1001", PASSWORDS["1001"])
    with phone("127.0.0.3") as desk:
        desk.sendto(
            request("REGISTER", et.port, desk.getsockname(), "1001", f"Authorization: {header}\r\n"),
            ("127.0.0.1", et.port),
        )
        resp = final(desk)
        assert resp.status == 401
        fresh = parse_auth_params(resp.get("WWW-Authenticate") or "")
        assert fresh.get("stale") == "true" and fresh["nonce"] != old
        # the phone retries silently with the fresh nonce and is registered
        retry = client_authorization(
            resp.get("WWW-Authenticate") or "", "REGISTER", uri, "1001", PASSWORDS["1001"]
        )
        assert send(desk, et.port, "REGISTER", "1001", f"Authorization: {retry}\r\n") == 200
