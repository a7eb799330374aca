"""Digest authentication (RFC 2617 / RFC 3261 22) with MD5 and mandatory qop=auth, replay-proof.

Credentials never live here: a :class:`CredentialStore` returns the HA1 (``MD5(user:realm:password)``)
for a user, so the web app can back it with the users table (``sip_ha1`` column) and the standalone
engine with a dict. Nonces carry their own timestamp and an HMAC over it, so a flood of unanswered
challenges costs no memory; they live ``ttl`` seconds (short: a sniffed header is worthless soon) and
a genuine but expired nonce is answered with ``stale=true`` so phones retry silently instead of
prompting for a password. A captured Authorization header cannot be replayed: qop=auth is required,
each nonce+nc pair is accepted once and nc must increase, and the digest ``uri`` must be the request's
own Request-URI. Only nonces that came back with a correct response are remembered (an attacker
without the password cannot grow that table) and only until they expire.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import time
from dataclasses import dataclass
from typing import Protocol

from hotline.sip.message import SipParseError, parse_uri

NONCE_TTL = 60.0
# Nonces remembered at most (each entry ~100 bytes); past it the oldest are forgotten and every
# nonce issued up to them counts as stale, so forgetting never reopens a replay.
MAX_TRACKED_NONCES = 100_000
_PARAM = re.compile(r'([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]+)')
_NC = re.compile(r"^[0-9a-fA-F]{8}$")


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


def same_uri(digest_uri: str, request_uri: str) -> bool:
    """The digest ``uri`` names the Request-URI (RFC 2617 3.2.2.5): same scheme, user, host, port.

    Clients copy the Request-URI verbatim; the parsed comparison only forgives host case and
    parameter order, never a different target.
    """
    if digest_uri == request_uri:
        return True
    try:
        a, b = parse_uri(digest_uri), parse_uri(request_uri)
    except SipParseError:
        return False
    return (a.scheme, a.user, a.host.lower(), a.port, a.params) == (
        b.scheme,
        b.user,
        b.host.lower(),
        b.port,
        b.params,
    )


@dataclass
class AuthResult:
    """``reason`` says why it failed ("" when ok): missing, malformed, bad_nonce, unknown_user,
    wrong_response, no_qop, uri_mismatch, replay, stale. Only ``missing`` and ``stale`` are no
    sign of guessing."""

    ok: bool
    username: str = ""
    stale: bool = False
    reason: str = ""

    @property
    def failed_attempt(self) -> bool:
        return not self.ok and self.reason not in ("missing", "stale")


class DigestAuth:
    """Issues challenges and checks Authorization / Proxy-Authorization headers."""

    def __init__(
        self,
        realm: str,
        secret: bytes | None = None,
        ttl: float = NONCE_TTL,
        max_tracked: int = MAX_TRACKED_NONCES,
    ) -> None:
        self.realm = realm
        self.ttl = ttl
        self.max_tracked = max_tracked
        self._secret = secret or os.urandom(16)
        # nonce -> (highest nc accepted, issue time); nonces issued at or before _floor are stale.
        self._used: dict[str, tuple[int, float]] = {}
        self._floor = 0.0

    def _sign(self, stamp: str) -> str:
        return hmac.new(self._secret, stamp.encode(), hashlib.sha256).hexdigest()[:24]

    def new_nonce(self, now: float | None = None) -> str:
        # Time stamp, then random bits: two challenges in the same millisecond must still differ,
        # or two phones would share one nonce and the second one's nc=1 would look like a replay.
        stamp = f"{int((now if now is not None else time.time()) * 1000):x}" + os.urandom(8).hex()
        return stamp + self._sign(stamp)

    def _issued(self, nonce: str) -> float | None:
        stamp, sig = nonce[:-24], nonce[-24:]
        if len(stamp) <= 16 or not hmac.compare_digest(sig, self._sign(stamp)):
            return None
        try:
            return int(stamp[:-16], 16) / 1000
        except ValueError:
            return None

    def nonce_state(self, nonce: str, now: float | None = None) -> str:
        """ "ok", "stale" (genuine but expired) or "bad"."""
        issued = self._issued(nonce)
        if issued is None:
            return "bad"
        age = (now if now is not None else time.time()) - issued
        return "ok" if -5 <= age <= self.ttl and issued > self._floor else "stale"

    def challenge(self, stale: bool = False) -> str:
        extra = ", stale=true" if stale else ""
        return f'Digest realm="{self.realm}", nonce="{self.new_nonce()}", algorithm=MD5, qop="auth"{extra}'

    async def verify(
        self, header: str | None, method: str, store: CredentialStore, *, request_uri: str
    ) -> AuthResult:
        """Check ``header`` for a request ``method`` sent to ``request_uri``; consumes its nonce+nc."""
        if not header:
            return AuthResult(False, reason="missing")
        p = parse_auth_params(header)
        username, nonce, response = p.get("username", ""), p.get("nonce", ""), p.get("response", "")
        if not username or not nonce or not response or p.get("realm", "") != self.realm:
            return AuthResult(False, username, reason="malformed")
        if p.get("algorithm", "MD5").upper() != "MD5":
            return AuthResult(False, username, reason="malformed")
        state = self.nonce_state(nonce)
        if state == "bad":
            return AuthResult(False, username, reason="bad_nonce")
        qop, nc_text, cnonce = p.get("qop", ""), p.get("nc", ""), p.get("cnonce", "")
        # Without qop the response does not cover a client nonce and counter, so nothing tells a
        # replay from a retry: RFC 2069 digests are refused.
        if qop != "auth" or not _NC.match(nc_text) or not cnonce:
            return AuthResult(False, username, reason="no_qop")
        if not same_uri(p.get("uri", ""), request_uri):
            return AuthResult(False, username, reason="uri_mismatch")
        ha1 = await store.ha1(username, self.realm)
        if ha1 is None:
            return AuthResult(False, username, reason="unknown_user")
        ha2 = md5_hex(f"{method}:{p.get('uri', '')}")
        expected = md5_hex(f"{ha1}:{nonce}:{nc_text}:{cnonce}:{qop}:{ha2}")
        if not hmac.compare_digest(expected, response.lower()):
            return AuthResult(False, username, reason="wrong_response")
        if state == "stale":
            return AuthResult(False, username, stale=True, reason="stale")
        nc = int(nc_text, 16)
        last, issued = self._used.get(nonce, (0, self._issued(nonce) or 0.0))
        if nc <= last:
            return AuthResult(False, username, reason="replay")
        self._used[nonce] = (nc, issued)
        if len(self._used) > self.max_tracked:
            self.prune()
        return AuthResult(True, username)

    def prune(self, now: float | None = None) -> None:
        """Forget expired nonces; past ``max_tracked`` also the oldest half (raising the floor)."""
        horizon = (now if now is not None else time.time()) - self.ttl
        self._used = {n: v for n, v in self._used.items() if v[1] >= horizon}
        if len(self._used) > self.max_tracked:
            ordered = sorted(self._used.items(), key=lambda item: item[1][1])
            cut = len(ordered) // 2
            self._floor = max(self._floor, ordered[cut - 1][1][1])
            self._used = dict(ordered[cut:])


def client_authorization(
    challenge: str, method: str, uri: str, username: str, password: str, *, nc: int = 1
) -> str:
    """Answer a challenge as a UAC would (used by tests and for outbound trunk registration)."""
    p = parse_auth_params(challenge)
    realm, nonce = p.get("realm", ""), p.get("nonce", "")
    ha1 = make_ha1(username, realm, password)
    ha2 = md5_hex(f"{method}:{uri}")
    parts = [f'username="{username}"', f'realm="{realm}"', f'nonce="{nonce}"', f'uri="{uri}"']
    if "auth" in [q.strip() for q in p.get("qop", "").split(",")]:
        cnonce = os.urandom(4).hex()
        ncs = f"{nc:08x}"
        resp = md5_hex(f"{ha1}:{nonce}:{ncs}:{cnonce}:auth:{ha2}")
        parts += ["qop=auth", f"nc={ncs}", f'cnonce="{cnonce}"']
    else:
        resp = md5_hex(f"{ha1}:{nonce}:{ha2}")  # a carrier still on RFC 2069
    parts += [f'response="{resp}"', "algorithm=MD5"]
    if "opaque" in p:
        parts.append(f'opaque="{p["opaque"]}"')  # must come back unchanged (RFC 2617 3.2.2)
    return "Digest " + ", ".join(parts)
