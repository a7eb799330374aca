"""SIP dialogs (RFC 3261 section 12): the state that lets either side send requests inside a call.

A dialog is identified by Call-ID plus local and remote tags, remembers the remote target (Contact),
the route set and both CSeq counters, and builds correctly formed in-dialog requests (BYE, re-INVITE,
INFO, REFER responses' NOTIFYs). Requests are sent to the address the peer actually used to reach us
(or the one we reached it at), not to the Contact host, because phones behind NAT advertise private
addresses they cannot be reached at.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from hotline.sip.message import SipParseError, SipRequest, SipResponse, parse_name_addr
from hotline.sip.transaction import new_branch
from hotline.sip.transport import Source


def new_tag() -> str:
    return os.urandom(6).hex()


@dataclass
class Dialog:
    call_id: str
    local_tag: str
    remote_tag: str
    local_uri: str
    remote_uri: str
    remote_target: str
    dest: Source
    local_contact: str
    via_host: str
    local_seq: int = 1
    remote_seq: int = 0
    route_set: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str]:
        return self.call_id, self.local_tag, self.remote_tag

    @classmethod
    def from_uas(cls, req: SipRequest, source: Source, local_tag: str, contact: str, via_host: str) -> Dialog:
        frm = parse_name_addr(req.get("From") or "")
        to = parse_name_addr(req.get("To") or "")
        contact_hdr = req.get("Contact")
        target = parse_name_addr(contact_hdr).uri if contact_hdr else frm.uri
        return cls(
            call_id=req.call_id,
            local_tag=local_tag,
            remote_tag=frm.tag,
            local_uri=f"<{to.uri}>",
            remote_uri=f"<{frm.uri}>",
            remote_target=target,
            dest=source,
            local_contact=contact,
            via_host=via_host,
            local_seq=1,
            remote_seq=req.cseq[0],
            route_set=req.get_all("Record-Route"),
        )

    @classmethod
    def from_uac(cls, req: SipRequest, resp: SipResponse, dest: Source, via_host: str) -> Dialog:
        frm = parse_name_addr(req.get("From") or "")
        to = parse_name_addr(resp.get("To") or "")
        contact_hdr = resp.get("Contact")
        try:
            target = parse_name_addr(contact_hdr).uri if contact_hdr else req.uri
        except SipParseError:
            target = req.uri  # a broken Contact in a 2xx must not lose the answered call
        return cls(
            call_id=req.call_id,
            local_tag=frm.tag,
            remote_tag=to.tag,
            local_uri=f"<{frm.uri}>",
            remote_uri=f"<{to.uri}>",
            remote_target=target,
            dest=dest,
            local_contact=req.get("Contact") or "",
            via_host=via_host,
            local_seq=req.cseq[0],
            route_set=list(reversed(resp.get_all("Record-Route"))),
        )

    def request(
        self, method: str, body: bytes = b"", content_type: str = "", cseq: int | None = None
    ) -> SipRequest:
        if cseq is None:
            self.local_seq += 1
            cseq = self.local_seq
        req = SipRequest(method=method, uri=self.remote_target)
        req.add("Via", f"SIP/2.0/{self.dest.proto} {self.via_host};branch={new_branch()};rport")
        for route in self.route_set:
            req.add("Route", route)
        req.add("Max-Forwards", "70")
        req.add("From", f"{self.local_uri};tag={self.local_tag}")
        req.add("To", f"{self.remote_uri};tag={self.remote_tag}" if self.remote_tag else self.remote_uri)
        req.add("Call-ID", self.call_id)
        req.add("CSeq", f"{cseq} {method}")
        if method in ("INVITE", "REFER", "SUBSCRIBE", "NOTIFY", "UPDATE"):
            req.add("Contact", self.local_contact)
        if content_type:
            req.add("Content-Type", content_type)
        req.body = body
        return req

    def ack(self, cseq: int, body: bytes = b"") -> SipRequest:
        """The ACK for a 2xx: a new transaction, same CSeq number as the INVITE (RFC 3261 13.2.2.4)."""
        ack = self.request("ACK", body, "application/sdp" if body else "", cseq=cseq)
        return ack
