"""Registrar (RFC 3261 section 10): agents' phones bind their extension (AOR) to contact addresses.

REGISTER must carry valid digest credentials for the AOR's own user (an agent cannot register as
another extension). Several contacts per extension are kept (desk phone and softphone), each with its
own expiry, clamped to [min_expires, max_expires]; ``Contact: *`` with ``Expires: 0`` removes them
all. Bindings remember the transport source of the REGISTER, because that is the only address at
which a NATed phone is reachable, and the Path of a REGISTER relayed by a proxy (RFC 3327), because
requests to that phone must go back through the same proxy. Every digest check, for REGISTER here and
for INVITE in the engine, goes through :meth:`Registrar.authenticate`, which refuses a source locked
out for guessing and counts its failures.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from hotline.sip.auth import AuthResult, CredentialStore, DigestAuth, parse_auth_params
from hotline.sip.message import (
    SipParseError,
    SipRequest,
    SipResponse,
    make_response,
    parse_name_addr,
    parse_uri,
)
from hotline.sip.ratelimit import AuthFailureLimiter
from hotline.sip.transport import WEBSOCKET, Source, Stream


@dataclass
class Binding:
    aor: str
    contact: str
    source: Source
    expires_at: float
    call_id: str
    cseq: int
    q: float = 1.0
    # Path header values of the REGISTER (RFC 3327), first = nearest to us: the Route set of every
    # request to this contact.
    path: tuple[str, ...] = ()

    def remaining(self, now: float | None = None) -> int:
        return max(0, round(self.expires_at - (now if now is not None else time.monotonic())))


class Registrar:
    def __init__(
        self,
        auth: DigestAuth,
        store: CredentialStore,
        *,
        guard: AuthFailureLimiter | None = None,
        default_expires: int = 3600,
        min_expires: int = 10,
        max_expires: int = 7200,
    ) -> None:
        self.auth = auth
        self.store = store
        self.guard = guard or AuthFailureLimiter()
        self.default_expires = default_expires
        self.min_expires = min_expires
        self.max_expires = max_expires
        self.bindings: dict[str, dict[str, Binding]] = {}
        # Persistence hook: called with an extension's live bindings after each accepted REGISTER,
        # so a restart can `restore` them (hotline.telephony.registrations).
        self.on_change: Callable[[str, list[Binding]], None] | None = None

    def restore(self, bindings: list[Binding]) -> None:
        """Put back bindings saved before a restart (expired ones are ignored)."""
        now = time.monotonic()
        for b in bindings:
            if b.expires_at > now:
                self.bindings.setdefault(b.aor, {})[b.contact] = b

    def lookup(self, user: str) -> list[Binding]:
        """Live bindings of an extension, most recently refreshed first."""
        now = time.monotonic()
        found = self.bindings.get(user, {})
        for key in [k for k, b in found.items() if b.expires_at <= now]:
            del found[key]
        return sorted(found.values(), key=lambda b: b.expires_at, reverse=True)

    def forget_connection(self, conn: Stream) -> None:
        """Drop the bindings made over a connection that closed and was their only way in (a
        browser's WebSocket): the call center must not ring a phone that cannot hear it."""
        for aor, found in list(self.bindings.items()):
            gone = [k for k, b in found.items() if b.source.conn is conn and b.source.proto in WEBSOCKET]
            for key in gone:
                del found[key]
            if gone and self.on_change is not None:
                self.on_change(aor, self.lookup(aor))

    def expire(self) -> None:
        for user in list(self.bindings):
            if not self.lookup(user):
                del self.bindings[user]

    async def authenticate(
        self, req: SipRequest, ip: str, header: str | None, fallback_user: str
    ) -> AuthResult | None:
        """Check ``header`` (Authorization or Proxy-Authorization of ``req``) from ``ip``.

        None means the source is locked out for that extension (or altogether): answer 403 without
        looking at the credentials, so a locked guesser learns nothing even with the right password.
        """
        user = parse_auth_params(header).get("username", "") if header else ""
        extension = user or fallback_user
        if self.guard.blocked(ip, extension):
            return None
        result = await self.auth.verify(header, req.method, self.store, request_uri=req.uri)
        if result.ok:
            self.guard.succeeded(ip, extension)
        elif result.failed_attempt:
            self.guard.failed(ip, extension)
        return result

    async def handle(self, req: SipRequest, source: Source, origin: str | None = None) -> SipResponse:
        """Answer a REGISTER that arrived from ``source``; ``origin`` is the phone's own address when
        a trusted proxy relayed it (lockouts are counted against it)."""
        try:
            aor = parse_uri(parse_name_addr(req.get("To") or "").uri).user
        except SipParseError:
            return make_response(req, 400, "Bad To")
        result = await self.authenticate(req, origin or source.addr[0], req.get("Authorization"), aor)
        if result is None:
            return make_response(req, 403, "Forbidden")
        if result.ok and result.username != aor:
            self.guard.failed(origin or source.addr[0], aor)  # a valid user trying another's extension
        if not result.ok or result.username != aor:
            resp = make_response(req, 401, "Unauthorized")
            resp.add("WWW-Authenticate", self.auth.challenge(stale=result.stale))
            return resp
        path = tuple(req.get_all("Path"))
        try:
            for hop in path:
                parse_uri(parse_name_addr(hop).uri)  # we will route to it: it must be usable
        except SipParseError:
            return make_response(req, 400, "Bad Path")
        default = req.get("Expires")
        default_exp = int(default) if default and default.isdigit() else self.default_expires
        contacts = req.get_all("Contact")
        now = time.monotonic()
        current = self.bindings.setdefault(aor, {})
        if contacts == ["*"]:
            if default_exp != 0:
                return make_response(req, 400, "Wildcard needs Expires 0")
            current.clear()
        for value in contacts if contacts != ["*"] else []:
            try:
                na = parse_name_addr(value)
                parse_uri(na.uri)
            except SipParseError:
                return make_response(req, 400, "Bad Contact")
            exp_text = na.params.get("expires", "")
            expires = int(exp_text) if exp_text.isdigit() else default_exp
            if 0 < expires < self.min_expires:
                resp = make_response(req, 423, "Interval Too Brief")
                resp.add("Min-Expires", str(self.min_expires))
                return resp
            expires = min(expires, self.max_expires)
            old = current.get(na.uri)
            if old is not None and old.call_id == req.call_id and old.cseq >= req.cseq[0]:
                continue  # an out-of-order REGISTER must not resurrect an older state
            if expires == 0:
                current.pop(na.uri, None)
            else:
                q_text = na.params.get("q", "1")
                try:
                    q = float(q_text)
                except ValueError:
                    q = 1.0
                current[na.uri] = Binding(
                    aor, na.uri, source, now + expires, req.call_id, req.cseq[0], q, path
                )
        resp = make_response(req, 200, "OK", to_tag="reg")
        for hop in path:
            resp.add("Path", hop)  # tells the phone the proxies we will route through (RFC 3327 5.3)
        live = self.lookup(aor)
        for b in live:
            resp.add("Contact", f"<{b.contact}>;expires={b.remaining(now)}")
        if self.on_change is not None:
            self.on_change(aor, live)
        return resp
