"""Calls the engine originates: routing a target, the INVITE, and the dialog its responses make.

``originate`` turns a target - an extension (any of its registered contacts), a ``sip:`` URI or an
external number for the outbound trunk - into an INVITE on a new leg; ``on_invite_response`` follows
the answers: provisional ones ring (early media from a 183), a carrier's 401/407 is answered once with
the trunk credentials, a 2xx creates the dialog and is ACKed (again for every retransmitted 2xx), a
failure ends the leg with the telling cause. The engine exposes these as methods; what they use of it
is the :class:`OutboundHost` protocol.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Awaitable, Sequence
from typing import Protocol

from hotline.media.rtp import RtpSession
from hotline.sip.auth import client_authorization
from hotline.sip.b2bua import Call, CallHost
from hotline.sip.dialog import Dialog, new_tag
from hotline.sip.leg import Leg, LegCall, LegHost
from hotline.sip.message import SipRequest, SipResponse, parse_name_addr, parse_uri
from hotline.sip.registrar import Binding, Registrar
from hotline.sip.sdp import SdpError, address_warning, negotiate, parse_sdp
from hotline.sip.topics import LegOriginated, LegRingingStarted
from hotline.sip.transaction import new_branch
from hotline.sip.transport import Source

log = logging.getLogger(__name__)

# A final response to our INVITE -> why the leg ended.
STATUS_CAUSE = {
    486: "busy",
    600: "busy",
    404: "not_found",
    603: "rejected",
    408: "no_answer",
    480: "no_answer",
}
STATUS_CAUSE[487] = "cancelled"


class OutboundHost(LegHost, CallHost, Protocol):
    """What originating calls uses of the engine: its address, registrar, trunk and dialog table."""

    host: str
    registrar: Registrar
    outbound_trunk: str
    trunk_credentials: tuple[str, str] | None
    dialogs: dict[tuple[str, str], Leg]

    @property
    def via_host(self) -> str: ...
    def open_rtp(self) -> Awaitable[RtpSession]: ...


def resolve(engine: OutboundHost, target: str) -> tuple[Source, str, str]:
    """(where to send, Request-URI, To URI) for an extension, a SIP URI or an external number."""
    if target.startswith(("sip:", "sips:")):
        uri = parse_uri(target)
        proto = "TCP" if uri.params.get("transport", "").lower() == "tcp" else "UDP"
        return Source(proto, (uri.host, uri.port or 5060)), target, target
    bindings = engine.registrar.lookup(target)
    if bindings:
        return route_to_binding(engine.host, target, bindings[0])
    if engine.outbound_trunk and target.lstrip("+").isdigit():
        host, _, port = engine.outbound_trunk.partition(":")
        trunk_uri = f"sip:{target}@{host}:{port or 5060}"
        return Source("UDP", (host, int(port or 5060))), trunk_uri, trunk_uri
    raise LookupError(f"no route to {target!r}")


def route_to_binding(host: str, target: str, b: Binding) -> tuple[Source, str, str]:
    """Where to send an INVITE for one registered contact of extension ``target``.

    A contact registered through a proxy (Path) is reached through that proxy: the request goes to
    the first Path hop, which the caller puts in a Route header (``b.path``), the Request-URI stays
    the contact.
    """
    contact = parse_uri(b.contact)
    to_uri = f"sip:{target}@{host}"
    conn = b.source.conn
    tcp_alive = conn is not None and conn.transport is not None and not conn.transport.is_closing()
    if b.path:
        hop = parse_uri(parse_name_addr(b.path[0]).uri)
        if b.source.proto == "TCP" and tcp_alive and b.source.addr[0] == hop.host:
            return b.source, b.contact, to_uri  # the proxy's own connection
        proto = "TCP" if hop.params.get("transport", "").lower() == "tcp" else "UDP"
        return Source(proto, (hop.host, hop.port or 5060)), b.contact, to_uri
    if b.source.proto == "TCP" and tcp_alive:
        return b.source, b.contact, to_uri  # reuse the phone's own connection (NAT)
    if contact.host == b.source.addr[0] or b.source.proto == "TCP":
        # Not NATed (or its TCP connection is gone): the Contact is reachable as written.
        proto = "TCP" if contact.params.get("transport", "").lower() == "tcp" else b.source.proto
        return Source(proto, (contact.host, contact.port or 5060)), b.contact, to_uri
    return b.source, b.contact, to_uri


async def originate(
    engine: OutboundHost,
    target: str,
    *,
    call: LegCall | None = None,
    caller_id: str = "hotline",
    display: str = "",
    binding: Binding | None = None,
    headers: Sequence[tuple[str, str]] = (),
) -> Leg:
    """Start ringing ``target``; returns the outbound leg at once (await ``leg.wait_answered()``).

    ``target`` is an extension (its most recent contact, or ``binding`` to pick one when forking),
    a ``sip:`` URI, or an external number sent through the outbound trunk.
    """
    if binding is None and not target.startswith(("sip:", "sips:")):
        binding = next(iter(engine.registrar.lookup(target)), None)  # as resolve() picks
    if binding is None:
        dest, ruri, to_uri = resolve(engine, target)
    else:
        dest, ruri, to_uri = route_to_binding(engine.host, target, binding)
    if call is None:
        new = Call(engine, os.urandom(8).hex())
        engine.calls[new.id] = new
        call = new
    rtp = await engine.open_rtp()
    leg = Leg(engine, call, "outbound", rtp)
    leg.caller, leg.dialed, leg.local_tag = caller_id, target, new_tag()
    req = SipRequest(method="INVITE", uri=ruri)
    req.add("Via", f"SIP/2.0/{dest.proto} {engine.via_host};branch={new_branch()};rport")
    for hop in binding.path if binding is not None else ():
        req.add("Route", hop)
    req.add("Max-Forwards", "70")
    disp = f'"{display}" ' if display else ""
    req.add("From", f"{disp}<sip:{caller_id}@{engine.host}>;tag={leg.local_tag}")
    req.add("To", f"<{to_uri}>")
    req.add("Call-ID", f"{os.urandom(10).hex()}@{engine.host}")
    req.add("CSeq", "1 INVITE")
    req.add("Contact", engine.contact(dest.proto))
    req.add("Allow", engine.ALLOW)
    for name, value in headers:
        req.add(name, value)
    req.add("Content-Type", "application/sdp")
    req.body = leg.local_sdp()
    leg.client_tx = engine.tx.new_client(req, dest, functools.partial(on_invite_response, engine, leg))
    engine.bus.publish(LegOriginated(**leg.info(), target=target))
    return leg


def on_invite_response(engine: OutboundHost, leg: Leg, resp: SipResponse) -> None:
    """Every response to ``leg``'s INVITE (and to its re-sent, authenticated copy)."""
    if resp.status < 200:
        if leg._cancel_pending and resp.status >= 100:
            leg._send_cancel()
        if resp.status > 100 and resp.body and not leg.early_media:
            try:
                md = parse_sdp(resp.body)
            except SdpError:
                md = None
            pt = negotiate(md) if md is not None else None
            if md is not None and pt is not None:
                leg.apply_remote_media(md, pt)
                leg.early_media = True
        if resp.status > 100 and leg.state == "calling":
            leg.state = "ringing"
            leg.ringing.set()
            engine.bus.publish(
                LegRingingStarted(**leg.info(), status=resp.status, early_media=leg.early_media)
            )
        return
    if resp.status < 300:
        on_uac_answer(engine, leg, resp)
        return
    if resp.status in (401, 407) and not leg._auth_tried and leg.state != "ended":
        leg._auth_tried = True  # one attempt: a second challenge means wrong credentials
        if retry_with_credentials(engine, leg, resp):
            return
    if leg.state != "ended":
        leg._finish(STATUS_CAUSE.get(resp.status, f"failed_{resp.status}"), status=resp.status)


def retry_with_credentials(engine: OutboundHost, leg: Leg, resp: SipResponse) -> bool:
    """Answer a trunk's 401/407 challenge to our INVITE once: same dialog identity, CSeq + 1."""
    tx = leg.client_tx
    if tx is None or engine.trunk_credentials is None or not engine.outbound_trunk:
        return False
    # Only the carrier gets the carrier's credentials: a registered phone (or anyone we call by
    # URI) that challenges our INVITE must not be able to collect a digest of them.
    host, _, port = engine.outbound_trunk.partition(":")
    if (tx.dest.addr[0], tx.dest.addr[1]) != (host, int(port or 5060)):
        return False
    proxy = resp.status == 407
    challenge = resp.get("Proxy-Authenticate" if proxy else "WWW-Authenticate")
    if not challenge:
        return False
    old = tx.request
    req = SipRequest(method="INVITE", uri=old.uri)
    for name, value in old.headers:
        if name == "Via":
            value = f"SIP/2.0/{tx.dest.proto} {engine.via_host};branch={new_branch()};rport"
        elif name == "CSeq":
            value = f"{old.cseq[0] + 1} INVITE"
        elif name in ("Authorization", "Proxy-Authorization"):
            continue
        req.headers.append((name, value))
    user, password = engine.trunk_credentials
    answer = client_authorization(challenge, "INVITE", old.uri, user, password)
    req.add("Proxy-Authorization" if proxy else "Authorization", answer)
    req.body = old.body
    leg.client_tx = engine.tx.new_client(req, tx.dest, functools.partial(on_invite_response, engine, leg))
    return True


def on_uac_answer(engine: OutboundHost, leg: Leg, resp: SipResponse) -> None:
    tx = leg.client_tx
    if tx is None:
        return
    if leg.dialog is not None:
        if leg._last_ack is not None:
            engine.transports.send(leg._last_ack, leg.dialog.dest)  # 2xx retransmitted: re-ACK
        return
    leg.dialog = Dialog.from_uac(tx.request, resp, tx.dest, engine.via_host)
    ack = leg.dialog.ack(tx.request.cseq[0])
    leg._last_ack = ack.to_bytes()
    engine.transports.send(leg._last_ack, tx.dest)
    if leg.state == "ended":
        engine.tx.new_client(leg.dialog.request("BYE"), tx.dest, lambda r: None)  # answered after we gave up
        return
    engine.dialogs[(leg.dialog.call_id, leg.local_tag)] = leg
    try:
        md = parse_sdp(resp.body)
        if address_warning(md) is not None:
            # An IPv6 answer: our media is IPv4 only, so the call could carry no audio. End it now
            # (never answered) so routing can try someone else.
            engine.tx.new_client(leg.dialog.request("BYE"), tx.dest, lambda r: None)
            leg._finish("codec")
            return
        leg.apply_remote_media(md, negotiate(md))
    except SdpError:
        log.warning("answer without usable SDP on leg %s", leg.id)
    leg._set_answered()
