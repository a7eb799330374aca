"""Digest authentication (RFC 2617 / RFC 3261 22) with MD5, qop=auth and self-validating nonces.

Credentials never live here: a :class:`CredentialStore` returns the HA1 (``MD5(user:realm:password)``)
for a user, so the web app can back it with the users table (``sip_ha1`` column) and the standalone
engine with a dict. Nonces carry their own timestamp and an HMAC over it, so the server keeps no
per-challenge state (a flood of REGISTERs cannot grow memory) and an expired nonce is answered with
``stale=true`` so phones retry silently instead of prompting for a password.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import time
from dataclasses import dataclass
from typing import Protocol

NONCE_TTL = 300.0
_PARAM = re.compile(r'([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]+)')


class CredentialStore(Protocol):
    async def ha1(self, username: str, realm: str) -> str | None: ...


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def make_ha1(username: str, realm: str, password: str) -> str:
    return md5_hex(f"{username}:{realm}:{password}")


class DictCredentialStore:
    """Plain passwords in memory (tests, standalone engine)."""

    def __init__(self, passwords: dict[str, str] | None = None) -> None:
        self.passwords = dict(passwords or {})

    async def ha1(self, username: str, realm: str) -> str | None:
        password = self.passwords.get(username)
        return None if password is None else make_ha1(username, realm, password)


def parse_auth_params(value: str) -> dict[str, str]:
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "digest":
        return {}
    return {k.lower(): v[1:-1] if v.startswith('"') else v for k, v in _PARAM.findall(rest)}


@dataclass
class AuthResult:
    ok: bool
    username: str = ""
    stale: bool = False


class DigestAuth:
    """Issues challenges and checks Authorization / Proxy-Authorization headers."""

    def __init__(self, realm: str, secret: bytes | None = None, ttl: float = NONCE_TTL) -> None:
        self.realm = realm
        self.ttl = ttl
        self._secret = secret or os.urandom(16)

    def _sign(self, stamp: str) -> str:
        return hmac.new(self._secret, stamp.encode(), hashlib.sha256).hexdigest()[:24]

    def new_nonce(self, now: float | None = None) -> str:
        stamp = f"{int((now if now is not None else time.time()) * 1000):x}"
        return stamp + self._sign(stamp)

    def nonce_state(self, nonce: str, now: float | None = None) -> str:
        """ "ok", "stale" (genuine but expired) or "bad"."""
        stamp, sig = nonce[:-24], nonce[-24:]
        if not stamp or not hmac.compare_digest(sig, self._sign(stamp)):
            return "bad"
        try:
            issued = int(stamp, 16) / 1000
        except ValueError:
            return "bad"
        age = (now if now is not None else time.time()) - issued
        return "ok" if -5 <= age <= self.ttl else "stale"

    def challenge(self, stale: bool = False) -> str:
        extra = ", stale=true" if stale else ""
        return f'Digest realm="{self.realm}", nonce="{self.new_nonce()}", algorithm=MD5, qop="auth"{extra}'

    async def verify(self, header: str | None, method: str, store: CredentialStore) -> AuthResult:
        if not header:
            return AuthResult(False)
        p = parse_auth_params(header)
        username, nonce, response = p.get("username", ""), p.get("nonce", ""), p.get("response", "")
        if not username or not nonce or not response or p.get("realm", "") != self.realm:
            return AuthResult(False, username)
        if p.get("algorithm", "MD5").upper() != "MD5":
            return AuthResult(False, username)
        state = self.nonce_state(nonce)
        if state == "bad":
            return AuthResult(False, username)
        ha1 = await store.ha1(username, self.realm)
        if ha1 is None:
            return AuthResult(False, username)
        ha2 = md5_hex(f"{method}:{p.get('uri', '')}")
        qop = p.get("qop", "")
        if qop:
            if qop != "auth":
                return AuthResult(False, username)
            expected = md5_hex(f"{ha1}:{nonce}:{p.get('nc', '')}:{p.get('cnonce', '')}:{qop}:{ha2}")
        else:
            expected = md5_hex(f"{ha1}:{nonce}:{ha2}")
        if not hmac.compare_digest(expected, response.lower()):
            return AuthResult(False, username)
        if state == "stale":
            return AuthResult(False, username, stale=True)
        return AuthResult(True, username)


def client_authorization(
    challenge: str, method: str, uri: str, username: str, password: str, *, nc: int = 1
) -> str:
    """Answer a challenge as a UAC would (used by tests and for outbound trunk registration)."""
    p = parse_auth_params(challenge)
    realm, nonce = p.get("realm", ""), p.get("nonce", "")
    ha1 = make_ha1(username, realm, password)
    ha2 = md5_hex(f"{method}:{uri}")
    parts = [f'username="{username}"', f'realm="{realm}"', f'nonce="{nonce}"', f'uri="{uri}"']
    if "auth" in p.get("qop", "").split(","):
        cnonce = os.urandom(4).hex()
        ncs = f"{nc:08x}"
        resp = md5_hex(f"{ha1}:{nonce}:{ncs}:{cnonce}:auth:{ha2}")
        parts += ["qop=auth", f"nc={ncs}", f'cnonce="{cnonce}"']
    else:
        resp = md5_hex(f"{ha1}:{nonce}:{ha2}")
    parts += [f'response="{resp}"', "algorithm=MD5"]
    return "Digest " + ", ".join(parts)
