"""Digest authentication: qop=auth, RFC 2069 fallback, wrong password, stale and forged nonces."""

from __future__ import annotations

import asyncio
import time

from hotline.sip.auth import DictCredentialStore, DigestAuth, client_authorization, parse_auth_params

STORE = DictCredentialStore({"1001": "secret"})


def _verify(auth: DigestAuth, header: str, method: str = "REGISTER") -> tuple[bool, bool]:
    result = asyncio.run(auth.verify(header, method, STORE))
    return result.ok, result.stale


def test_qop_auth_ok_and_wrong_password() -> None:
    auth = DigestAuth("hotline")
    chal = auth.challenge()
    assert _verify(auth, client_authorization(chal, "REGISTER", "sip:hotline", "1001", "secret")) == (
        True,
        False,
    )
    assert not _verify(auth, client_authorization(chal, "REGISTER", "sip:hotline", "1001", "nope"))[0]
    assert not _verify(auth, client_authorization(chal, "REGISTER", "sip:hotline", "9999", "secret"))[0]
    # the response covers the method
    assert not _verify(auth, client_authorization(chal, "INVITE", "sip:hotline", "1001", "secret"))[0]


def test_rfc2069_without_qop() -> None:
    auth = DigestAuth("hotline")
    chal = f'Digest realm="hotline", nonce="{auth.new_nonce()}"'
    assert _verify(auth, client_authorization(chal, "INVITE", "sip:1002@x", "1001", "secret"), "INVITE")[0]


def test_stale_and_forged_nonce() -> None:
    auth = DigestAuth("hotline", ttl=10)
    old = f'Digest realm="hotline", nonce="{auth.new_nonce(time.time() - 60)}", qop="auth"'
    assert _verify(auth, client_authorization(old, "REGISTER", "sip:h", "1001", "secret")) == (False, True)
    forged = f'Digest realm="hotline", nonce="{"0" * 40}", qop="auth"'
    assert _verify(auth, client_authorization(forged, "REGISTER", "sip:h", "1001", "secret")) == (
        False,
        False,
    )
    assert _verify(auth, "Basic abc") == (False, False)


def test_parse_params() -> None:
    p = parse_auth_params('Digest username="a,b", realm=hotline, qop=auth, nc=00000001')
    assert p == {"username": "a,b", "realm": "hotline", "qop": "auth", "nc": "00000001"}
