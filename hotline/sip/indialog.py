"""In-dialog requests: BYE, re-INVITE hold/unhold, INFO DTMF, REFER transfer, and the small rest.

A re-INVITE that changes a leg's hold state is relayed to the bridged peer as a re-INVITE with the
same direction before we answer, so the far phone shows "held" and stops sending into a void; REFER
is accepted (202), handed to ``engine.on_refer`` or the default blind transfer, and its outcome is
reported to the transferor with a sipfrag NOTIFY if it is still around.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotline.media.dtmf import parse_dtmf_info
from hotline.sip.b2bua import blind_transfer
from hotline.sip.leg import Leg
from hotline.sip.message import SipParseError, SipRequest, parse_name_addr, parse_uri
from hotline.sip.sdp import SdpError, negotiate, parse_sdp, reverse_direction
from hotline.sip.transaction import ServerTransaction

if TYPE_CHECKING:
    from hotline.sip.engine import TelephonyEngine


async def handle_in_dialog(engine: TelephonyEngine, leg: Leg, req: SipRequest, tx: ServerTransaction) -> None:
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


async def _reinvite(engine: TelephonyEngine, leg: Leg, req: SipRequest, tx: ServerTransaction) -> None:
    md = None
    if req.body:
        try:
            md = parse_sdp(req.body)
        except SdpError:
            tx.respond(tx.response(488, "Not Acceptable Here"))
            return
    direction = md.direction if md is not None else "sendrecv"
    if md is not None and md.host == "0.0.0.0":
        direction = "inactive"  # RFC 2543-style hold
    if md is not None:
        leg.apply_remote_media(md, negotiate(md) or leg.pt)
    hold = direction in ("sendonly", "inactive")
    peer = leg.call.peer(leg)
    if peer is not None and peer.state == "answered" and hold != leg.remote_hold:
        await peer.reinvite(direction if hold else "sendrecv")  # relay the hold to the far party
    resp = leg._response(200, "OK")
    resp.add("Content-Type", "application/sdp")
    resp.body = leg.local_sdp(reverse_direction(direction))
    tx.respond(resp)
    if hold != leg.remote_hold:
        leg.remote_hold = hold
        leg.publish("leg.hold" if hold else "leg.unhold", by="remote", direction=direction)


async def _refer(engine: TelephonyEngine, leg: Leg, target: str) -> None:
    if engine.on_refer is not None:
        ok = await engine.on_refer(leg, target)
    else:
        ok = await blind_transfer(engine, leg, target)
    if leg.is_active and leg.dialog is not None:
        frag = b"SIP/2.0 200 OK\r\n" if ok else b"SIP/2.0 503 Service Unavailable\r\n"
        notify = leg.dialog.request("NOTIFY", frag, "message/sipfrag;version=2.0")
        notify.add("Event", "refer")
        notify.add("Subscription-State", "terminated;reason=noresource")
        engine.tx.new_client(notify, leg.dialog.dest, lambda r: None)
