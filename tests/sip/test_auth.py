"""Digest authentication: qop=auth required, one use per nonce+nc, uri bound to the Request-URI,
stale and forged nonces, bounded nonce memory, and the client side (opaque, qop lists)."""

from __future__ import annotations

import asyncio
import time

from hotline.sip.auth import (
    DictCredentialStore,
    DigestAuth,
    client_authorization,
    parse_auth_params,
    same_uri,
)

STORE = DictCredentialStore({"1001": "secret"})
URI = "sip:hotline@127.0.0.1:5060"


def _verify(auth: DigestAuth, header: str, method: str = "REGISTER", uri: str = URI) -> tuple[bool, str]:
    result = asyncio.run(auth.verify(header, method, STORE, request_uri=uri))
    return result.ok, result.reason


def test_qop_auth_ok_and_wrong_password() -> None:
    auth = DigestAuth("hotline")
    chal = auth.challenge()
    assert _verify(auth, client_authorization(chal, "REGISTER", URI, "1001", "secret")) == (True, "")
    assert _verify(auth, client_authorization(chal, "REGISTER", URI, "1001", "nope")) == (
        False,
        "wrong_response",
    )
    assert _verify(auth, client_authorization(chal, "REGISTER", URI, "9999", "secret")) == (
        False,
        "unknown_user",
    )
    # the response covers the method
    header = client_authorization(chal, "INVITE", URI, "1001", "secret")
    assert _verify(auth, header) == (False, "wrong_response")


def test_digest_without_qop_is_refused() -> None:
    auth = DigestAuth("hotline")
    chal = f'Digest realm="hotline", nonce="{auth.new_nonce()}"'  # RFC 2069 style: no qop offered
    header = client_authorization(chal, "INVITE", URI, "1001", "secret")
    assert "qop" not in header
    assert _verify(auth, header, "INVITE") == (False, "no_qop")
    # qop present but without its counter is no better
    stripped = client_authorization(auth.challenge(), "INVITE", URI, "1001", "secret").replace(
        "nc=00000001, ", ""
    )
    assert _verify(auth, stripped, "INVITE") == (False, "no_qop")


def test_replayed_header_is_refused_and_nc_must_increase() -> None:
    auth = DigestAuth("hotline")
    chal = auth.challenge()
    first = client_authorization(chal, "INVITE", URI, "1001", "secret")
    assert _verify(auth, first, "INVITE") == (True, "")
    assert _verify(auth, first, "INVITE") == (False, "replay")
    # the same nonce with a higher counter is how a phone reuses a challenge: fine, once
    third = client_authorization(chal, "INVITE", URI, "1001", "secret", nc=3)
    assert _verify(auth, third, "INVITE") == (True, "")
    assert _verify(auth, client_authorization(chal, "INVITE", URI, "1001", "secret", nc=2), "INVITE") == (
        False,
        "replay",
    )
    assert _verify(auth, client_authorization(chal, "INVITE", URI, "1001", "secret", nc=4), "INVITE") == (
        True,
        "",
    )


def test_digest_uri_must_be_the_request_uri() -> None:
    auth = DigestAuth("hotline")
    header = client_authorization(auth.challenge(), "INVITE", "sip:1002@127.0.0.1:5060", "1001", "secret")
    assert _verify(auth, header, "INVITE", uri="sip:120@127.0.0.1:5060") == (False, "uri_mismatch")
    assert _verify(auth, header, "INVITE", uri="sip:1002@127.0.0.1:5061") == (False, "uri_mismatch")
    # host case is not a different target
    assert _verify(auth, header, "INVITE", uri="sip:1002@127.0.0.1:5060") == (True, "")
    assert same_uri("sip:1002@Example.COM;transport=udp", "sip:1002@example.com;transport=udp")
    assert not same_uri("sip:1002@example.com", "sip:1002@example.com;transport=tcp")
    assert not same_uri("garbage", "sip:1002@example.com")


def test_stale_and_forged_nonce() -> None:
    auth = DigestAuth("hotline", ttl=10)
    old = f'Digest realm="hotline", nonce="{auth.new_nonce(time.time() - 60)}", qop="auth"'
    result = asyncio.run(
        auth.verify(
            client_authorization(old, "REGISTER", URI, "1001", "secret"), "REGISTER", STORE, request_uri=URI
        )
    )
    assert (result.ok, result.stale, result.failed_attempt) == (False, True, False)
    # an expired nonce with a wrong password is a failed guess, never a hint to retry
    assert _verify(auth, client_authorization(old, "REGISTER", URI, "1001", "nope")) == (
        False,
        "wrong_response",
    )
    forged = f'Digest realm="hotline", nonce="{"0" * 40}", qop="auth"'
    assert _verify(auth, client_authorization(forged, "REGISTER", URI, "1001", "secret")) == (
        False,
        "bad_nonce",
    )
    assert _verify(auth, "Basic abc") == (False, "malformed")
    assert "stale=true" in auth.challenge(stale=True)


def test_nonce_memory_is_bounded_without_reopening_replays() -> None:
    auth = DigestAuth("hotline", max_tracked=4)
    now = time.time()
    headers = []
    for i in range(6):
        chal = f'Digest realm="hotline", nonce="{auth.new_nonce(now - 6 + i)}", qop="auth"'
        headers.append(client_authorization(chal, "REGISTER", URI, "1001", "secret"))
        assert _verify(auth, headers[-1]) == (True, "")
    assert len(auth._used) <= 4
    # a forgotten nonce is stale (fresh challenge), never accepted a second time
    assert _verify(auth, headers[0]) == (False, "stale")
    assert _verify(auth, headers[-1]) == (False, "replay")
    auth.prune(now + 3600)
    assert auth._used == {}


def test_client_answers_qop_lists_and_echoes_opaque() -> None:
    chal = 'Digest realm="carrier", nonce="abc", qop="auth-int, auth", opaque="xyz"'
    p = parse_auth_params(client_authorization(chal, "INVITE", "sip:1@carrier", "u", "p", nc=2))
    assert (p["qop"], p["nc"], p["opaque"]) == ("auth", "00000002", "xyz")


def test_parse_params() -> None:
    p = parse_auth_params('Digest username="a,b", realm=hotline, qop=auth, nc=00000001')
    assert p == {"username": "a,b", "realm": "hotline", "qop": "auth", "nc": "00000001"}


def test_nonces_are_unique_within_a_millisecond() -> None:
    auth = DigestAuth("hotline")
    now = time.time()
    nonces = {auth.new_nonce(now) for _ in range(100)}
    assert len(nonces) == 100 and all(auth.nonce_state(n, now) == "ok" for n in nonces)
    # two phones answering challenges of the same instant are both accepted (each its own nc=1)
    for nonce in list(nonces)[:2]:
        chal = f'Digest realm="hotline", nonce="{nonce}", qop="auth"'
        assert _verify(auth, client_authorization(chal, "REGISTER", URI, "1001", "secret")) == (True, "")
