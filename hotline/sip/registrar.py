"""Registrar (RFC 3261 section 10): agents' phones bind their extension (AOR) to contact addresses.

REGISTER must carry valid digest credentials for the AOR's own user (an agent cannot register as
another extension). Several contacts per extension are kept (desk phone and softphone), each with its
own expiry, clamped to [min_expires, max_expires]; ``Contact: *`` with ``Expires: 0`` removes them
all. Bindings remember the transport source of the REGISTER, because that is the only address at
which a NATed phone is reachable.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from hotline.sip.auth import CredentialStore, DigestAuth
from hotline.sip.message import (
    SipParseError,
    SipRequest,
    SipResponse,
    make_response,
    parse_name_addr,
    parse_uri,
)
from hotline.sip.transport import Source


@dataclass
class Binding:
    aor: str
    contact: str
    source: Source
    expires_at: float
    call_id: str
    cseq: int
    q: float = 1.0

    def remaining(self, now: float | None = None) -> int:
        return max(0, round(self.expires_at - (now if now is not None else time.monotonic())))


class Registrar:
    def __init__(
        self,
        auth: DigestAuth,
        store: CredentialStore,
        *,
        default_expires: int = 3600,
        min_expires: int = 10,
        max_expires: int = 7200,
    ) -> None:
        self.auth = auth
        self.store = store
        self.default_expires = default_expires
        self.min_expires = min_expires
        self.max_expires = max_expires
        self.bindings: dict[str, dict[str, Binding]] = {}

    def lookup(self, user: str) -> list[Binding]:
        """Live bindings of an extension, most recently refreshed first."""
        now = time.monotonic()
        found = self.bindings.get(user, {})
        for key in [k for k, b in found.items() if b.expires_at <= now]:
            del found[key]
        return sorted(found.values(), key=lambda b: b.expires_at, reverse=True)

    def expire(self) -> None:
        for user in list(self.bindings):
            if not self.lookup(user):
                del self.bindings[user]

    async def handle(self, req: SipRequest, source: Source) -> SipResponse:
        try:
            aor = parse_uri(parse_name_addr(req.get("To") or "").uri).user
        except SipParseError:
            return make_response(req, 400, "Bad To")
        result = await self.auth.verify(req.get("Authorization"), "REGISTER", self.store)
        if not result.ok or result.username != aor:
            resp = make_response(req, 401, "Unauthorized")
            resp.add("WWW-Authenticate", self.auth.challenge(stale=result.stale))
            return resp
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
                current[na.uri] = Binding(aor, na.uri, source, now + expires, req.call_id, req.cseq[0], q)
        resp = make_response(req, 200, "OK", to_tag="reg")
        for b in self.lookup(aor):
            resp.add("Contact", f"<{b.contact}>;expires={b.remaining(now)}")
        return resp
