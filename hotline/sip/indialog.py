"""In-dialog requests: BYE, re-INVITE hold/unhold, INFO DTMF, REFER transfer, and the small rest;
and the requests we send inside a leg's dialog (``request``, ``reinvite``).

Every request is answered within its own server transaction (its Via branch and CSeq), whichever leg
it arrives on. A re-INVITE that changes a leg's hold state is relayed to the bridged peer as a
re-INVITE with the same direction before we answer, so the far phone shows "held" and stops sending
into a void; one that moves the media re-targets the leg's RTP; an IPv6 or codec-less offer gets 488
and the session goes on unchanged; a session-timer refresh (RFC 4028) is confirmed. REFER
is accepted (202), handed to ``engine.on_refer`` or the default blind transfer, and its outcome is
reported to the transferor with a sipfrag NOTIFY if it is still around.

Dialog handling sits above the leg primitives and below calls routing: what it needs of the engine
(answering OPTIONS, carrying out a REFER) is the :class:`DialogHost` protocol.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from hotline.media.dtmf import parse_dtmf_info
from hotline.media.rtpengine import NgError
from hotline.sip.leg import Leg, LegHost
from hotline.sip.message import SipParseError, SipRequest, SipResponse, parse_name_addr, parse_uri
from hotline.sip.sdes import refusal
from hotline.sip.sdp import SdpError, address_warning, negotiate, parse_sdp, reverse_direction
from hotline.sip.topics import LegHeld, LegResumed
from hotline.sip.transaction import ServerTransaction

log = logging.getLogger(__name__)


class DialogHost(LegHost, Protocol):
    """What in-dialog handling uses of the engine beyond a leg's needs."""

    def options_response(self, tx: ServerTransaction) -> SipResponse: ...
    async def refer(self, leg: Leg, target: str) -> bool: ...


async def request(
    leg: Leg, method: str, body: bytes = b"", ctype: str = "", timeout: float = 32
) -> SipResponse:
    """Send an in-dialog request on ``leg`` and wait for its final response (ACKing a re-INVITE's 2xx)."""
    if leg.dialog is None:
        raise RuntimeError("leg has no dialog")
    dialog = leg.dialog
    req = dialog.request(method, body, ctype)
    fut: asyncio.Future[SipResponse] = asyncio.get_running_loop().create_future()

    def on_response(resp: SipResponse) -> None:
        if resp.status < 200:
            return
        if method == "INVITE" and resp.status < 300:
            leg._last_ack = dialog.ack(req.cseq[0]).to_bytes()
            leg.engine.transports.send(leg._last_ack, dialog.dest)
        if not fut.done():
            fut.set_result(resp)

    leg.engine.tx.new_client(req, dialog.dest, on_response)
    return await asyncio.wait_for(fut, timeout)


async def reinvite(leg: Leg, direction: str) -> SipResponse | None:
    """Re-INVITE ``leg``'s party with our SDP in ``direction`` (relaying a hold); None if it failed."""
    if leg.state != "answered" or leg.dialog is None:
        return None
    leg.reinvite_out = True
    bridge = leg.media_bridge
    try:
        body = leg.local_sdp(direction)
        if bridge is not None:
            body = await bridge.to_browser(body, offer=True)
        resp = await request(leg, "INVITE", body, "application/sdp", timeout=10)
        if bridge is not None and resp.status < 300 and resp.body:
            await bridge.from_browser(resp.body, offer=False)  # completes rtpengine's negotiation
        return resp
    except (TimeoutError, RuntimeError):  # NgError is a RuntimeError
        return None
    finally:
        leg.reinvite_out = False


async def handle_in_dialog(engine: DialogHost, leg: Leg, req: SipRequest, tx: ServerTransaction) -> None:
    """BYE, re-INVITE (hold/unhold, relayed to the peer), INFO (DTMF), REFER, OPTIONS/NOTIFY/UPDATE."""
    if leg.dialog is not None:
        leg.dialog.remote_seq = max(leg.dialog.remote_seq, req.cseq[0])
    m = req.method
    if m == "BYE":
        tx.respond(tx.response(200, "OK"))
        leg._finish("remote_hangup")
    elif m == "INVITE":
        tx.respond(tx.response(100, "Trying"))
        await _reinvite(engine, leg, req, tx)
    elif m == "INFO":
        digit = parse_dtmf_info(req.body, req.get("Content-Type") or "")
        tx.respond(tx.response(200, "OK"))
        if digit:
            leg.on_digit(digit, "info")
    elif m == "REFER":
        target = req.get("Refer-To") or ""
        try:
            uri = parse_uri(parse_name_addr(target).uri)
        except SipParseError:
            tx.respond(tx.response(400, "Bad Refer-To"))
            return
        tx.respond(tx.response(202, "Accepted"))
        engine.spawn(_refer(engine, leg, uri.user or str(uri)))
    elif m in ("OPTIONS", "NOTIFY", "UPDATE"):
        tx.respond(engine.options_response(tx) if m == "OPTIONS" else tx.response(200, "OK"))
    else:
        tx.respond(tx.response(501, "Not Implemented"))


async def _reinvite(engine: DialogHost, leg: Leg, req: SipRequest, tx: ServerTransaction) -> None:
    """Answer a re-INVITE (hold/unhold, session refresh, moved media) in its own transaction, from
    either leg: a caller's (we are UAS of the dialog) or an agent phone's (we were its UAC)."""
    if leg.reinvite_out:
        tx.respond(leg.response_in(tx, 491, "Request Pending"))  # glare (RFC 3261 14.2)
        return
    if leg.reinvite_in:
        busy = leg.response_in(tx, 500, "Server Internal Error")
        busy.add("Retry-After", "1")  # the previous re-INVITE is still being answered (RFC 3261 14.2)
        tx.respond(busy)
        return
    md = None
    pt = leg.pt
    body = req.body
    if body and leg.media_bridge is not None:
        try:
            body = await leg.media_bridge.from_browser(body, offer=True)
        except NgError as exc:
            log.error("leg %s: WebRTC bridge refused a re-INVITE: %s", leg.id, exc)
            tx.respond(leg.response_in(tx, 488, "Not Acceptable Here"))
            return
    if body:
        try:
            md = parse_sdp(body)
        except SdpError:
            tx.respond(leg.response_in(tx, 488, "Not Acceptable Here"))
            return
        warning = address_warning(md) or refusal(md, leg.signalling_proto(), leg.srtp is not None)
        offered = negotiate(md)
        if warning is not None or offered is None:
            # The session goes on unchanged (RFC 3264 8): refuse the new offer, keep the old media.
            resp = leg.response_in(tx, 488, "Not Acceptable Here")
            resp.add("Warning", warning or '305 hotline "Incompatible media format"')
            tx.respond(resp)
            return
        pt = offered
    direction = md.direction if md is not None else "sendrecv"
    if md is not None and md.host == "0.0.0.0":
        direction = "inactive"  # RFC 2543-style hold
    hold = direction in ("sendonly", "inactive")
    leg.reinvite_in = True
    try:
        if md is not None:
            leg.apply_remote_media(md, pt)
        peer = leg.call.peer(leg)
        if peer is not None and peer.state == "answered" and hold != leg.remote_hold:
            await reinvite(peer, direction if hold else "sendrecv")  # relay the hold to the far party
    finally:
        leg.reinvite_in = False
    resp = leg.response_in(tx, 200, "OK")
    _session_timer(req, resp)
    resp.add("Content-Type", "application/sdp")
    resp.body = leg.local_sdp(reverse_direction(direction))
    if leg.media_bridge is not None and md is not None:
        try:
            resp.body = await leg.media_bridge.to_browser(resp.body, offer=False)
        except NgError as exc:
            log.error("leg %s: WebRTC bridge refused our answer: %s", leg.id, exc)
            tx.respond(leg.response_in(tx, 500, "Server Internal Error"))
            return
    tx.respond(resp)
    if hold != leg.remote_hold:
        leg.remote_hold = hold
        if hold:
            leg.engine.bus.publish(LegHeld(**leg.info(), by="remote", media_direction=direction))
        else:
            leg.engine.bus.publish(LegResumed(**leg.info(), by="remote", media_direction=direction))


def _session_timer(req: SipRequest, resp: SipResponse) -> None:
    """RFC 4028: confirm the session interval with the peer (UAC) as the refresher.

    We never send refreshes ourselves, so when the peer asks us to (``refresher=uas``) we answer as
    a UAS without the extension - no Session-Expires, hence no expiry we could not keep."""
    expires = req.get("Session-Expires")
    if not expires:
        return
    compact = expires.replace(" ", "").lower()
    if "refresher=uas" in compact:
        return
    if "refresher=" not in compact:
        expires = f"{expires};refresher=uac"
    resp.add("Session-Expires", expires)
    supported = {t.strip().lower() for t in (req.get("Supported") or "").split(",")}
    if "timer" in supported:
        resp.add("Require", "timer")


async def _refer(engine: DialogHost, leg: Leg, target: str) -> None:
    ok = await engine.refer(leg, target)
    if leg.is_active and leg.dialog is not None:
        frag = b"SIP/2.0 200 OK\r\n" if ok else b"SIP/2.0 503 Service Unavailable\r\n"
        notify = leg.dialog.request("NOTIFY", frag, "message/sipfrag;version=2.0")
        notify.add("Event", "refer")
        notify.add("Subscription-State", "terminated;reason=noresource")
        engine.tx.new_client(notify, leg.dialog.dest, lambda r: None)
