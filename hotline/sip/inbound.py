"""Calls arriving at the engine: a new INVITE becomes a call, a CANCEL ends it, a late answer in an ACK.

``accept_invite`` authenticates the caller (trunk peers need no digest; anyone else a valid one, and
only under their own extension), refuses an offer we could not carry media for (488) before
answering anything, opens the RTP session and hands the new :class:`Leg` of a new :class:`Call` to
``engine.on_inbound`` (the call-center) or, when unset, to :func:`default_route`. Above ``routing`` in
the engine's one-way stack; what it uses of the engine is the :class:`InboundHost` protocol.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from typing import Protocol

from hotline.sip.auth import DigestAuth
from hotline.sip.b2bua import Call
from hotline.sip.dialog import Dialog, new_tag
from hotline.sip.leg import Leg
from hotline.sip.message import SipParseError, SipRequest, parse_name_addr, parse_uri
from hotline.sip.routing import RoutingHost, default_route
from hotline.sip.sdes import refusal
from hotline.sip.sdp import SdpError, address_warning, negotiate, parse_sdp
from hotline.sip.topics import CallArrived
from hotline.sip.transaction import ServerTransaction

log = logging.getLogger(__name__)


class InboundHost(RoutingHost, Protocol):
    """What taking calls uses of the engine: trunk peers, digest, the pending INVITEs, the hand-off."""

    trunk_peers: set[str]
    auth: DigestAuth
    invites: dict[tuple[str, str, str], Leg]
    on_inbound: Callable[[Leg], Awaitable[None]] | None


async def accept_invite(engine: InboundHost, req: SipRequest, tx: ServerTransaction) -> None:
    """A new INVITE (its 100 Trying already sent): authenticate, check the offer, make the call, route it."""
    try:
        caller = parse_uri(parse_name_addr(req.get("From") or "").uri).user
        dialed = parse_uri(req.uri).user
        contact = req.get("Contact")
        if contact is not None:
            parse_uri(parse_name_addr(contact).uri)  # the dialog's remote target must be usable
    except SipParseError as exc:
        tx.respond(tx.response(400, f"Bad Request ({exc})"[:80], to_tag=new_tag()))
        return
    src_ip = tx.source.addr[0]
    trunk = src_ip in engine.trunk_peers
    user = ""
    if not trunk:
        header = req.get("Proxy-Authorization") or req.get("Authorization")
        result = await engine.registrar.authenticate(req, src_ip, header, caller)
        if result is None or (result.ok and result.username != caller):
            # Locked out, or a phone calling under another extension's number (caller ID spoof).
            tx.respond(tx.response(403, "Forbidden", to_tag=new_tag()))
            return
        if not result.ok:
            resp = tx.response(407, "Proxy Authentication Required", to_tag=new_tag())
            resp.add("Proxy-Authenticate", engine.auth.challenge(stale=result.stale))
            tx.respond(resp)
            return
        user = result.username
    try:
        md = parse_sdp(req.body) if req.body else None
    except SdpError:
        md = None
    pt = negotiate(md) if md is not None else None
    warning = (address_warning(md) or refusal(md, tx.source.proto, False)) if md is not None else None
    if req.body and (md is None or pt is None or warning is not None):
        # Refuse before answering: a 200 we cannot carry media for would only end in a BYE.
        resp = tx.response(488, "Not Acceptable Here", to_tag=new_tag())
        if warning is not None:
            resp.add("Warning", warning)
        tx.respond(resp)
        return
    # No body at all is a late offer (some carrier trunks): we offer in the 200, the ACK answers.
    try:
        rtp = await engine.open_rtp()
    except OSError:
        tx.respond(tx.response(503, "Service Unavailable", to_tag=new_tag()))
        return
    call = Call(engine, os.urandom(8).hex())
    leg = Leg(engine, call, "inbound", rtp)
    leg.invite, leg.server_tx, leg.local_tag = req, tx, new_tag()
    leg.trunk, leg.user = trunk, user
    leg.caller, leg.dialed = caller, dialed
    if md is not None:
        leg.apply_remote_media(md, pt)
    leg.dialog = Dialog.from_uas(
        req, tx.source, leg.local_tag, engine.contact(tx.source.proto), engine.sent_by(tx.source.proto)
    )
    engine.dialogs[(req.call_id, leg.local_tag)] = leg
    engine.invites[tx.key] = leg
    engine.calls[call.id] = call
    engine.bus.publish(CallArrived(**leg.info()))
    try:
        if engine.on_inbound is not None:
            await engine.on_inbound(leg)
        else:
            await default_route(engine, leg)
    except Exception:
        log.exception("inbound routing failed for call %s", call.id)
        await leg.hangup("error")


def cancel(engine: InboundHost, tx: ServerTransaction) -> None:
    """A CANCEL: 200 to it, and 487 to the INVITE it names while that call is still unanswered."""
    inv = engine.tx.find_invite(tx.request)
    leg = engine.invites.get(inv.key) if inv is not None else None
    if leg is None or inv is None:
        tx.respond(tx.response(481, "Call/Transaction Does Not Exist"))
        return
    tx.respond(tx.response(200, "OK"))
    if leg.state in ("new", "ringing"):
        inv.respond(leg._response(487, "Request Terminated"))
        leg._finish("cancelled")


def late_answer(engine: InboundHost, ack: SipRequest) -> None:
    """The SDP answer in an ACK: to a late-offer INVITE, or to an offerless re-INVITE."""
    leg = engine.dialogs.get((ack.call_id, parse_name_addr(ack.get("To") or "").tag))
    if leg is None:
        return
    try:
        md = parse_sdp(ack.body)
    except SdpError:
        md = None
    pt = negotiate(md) if md is not None else None
    bad = md is None or address_warning(md) or refusal(md, leg.signalling_proto(), leg.srtp is not None)
    if md is None or pt is None or bad:
        if leg.remote_media is None:
            engine.spawn(leg.hangup("codec"))  # no usable media at all: the call cannot go on
        return
    leg.apply_remote_media(md, pt)
