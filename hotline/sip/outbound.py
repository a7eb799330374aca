"""Calls the engine originates: routing a target, the INVITE, and the dialog its responses make.

``originate`` turns a target - an extension (any of its registered contacts), a ``sip:`` URI or an
external number for the outbound trunks - into an INVITE on a new leg; ``on_invite_response`` follows
the answers: provisional ones ring (early media from a 183), a carrier's 401/407 is answered once with
that trunk's credentials, a 2xx creates the dialog and is ACKed (again for every retransmitted 2xx), a
failure ends the leg with the telling cause. An external number goes through the trunks in order
(`TrunkBoard.order`): a carrier failure (503, 408, 5xx) or no answer beyond "100 Trying" within
``trunk_failover_seconds`` sends the same INVITE (new branch, CSeq + 1) to the next trunk, and each
trunk's outcome counts towards its health. The engine exposes these as methods; what they use of it
is the :class:`OutboundHost` protocol.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from collections.abc import Awaitable, Sequence
from typing import Protocol

from hotline.media.rtp import RtpSession
from hotline.media.rtpengine import NgError
from hotline.media.srtp import Sdes
from hotline.sip.auth import client_authorization
from hotline.sip.b2bua import Call, CallHost
from hotline.sip.dialog import Dialog, new_tag
from hotline.sip.leg import Leg, LegCall, LegHost
from hotline.sip.message import SipRequest, SipResponse, parse_name_addr, parse_uri, parse_via
from hotline.sip.registrar import Binding, Registrar
from hotline.sip.sdes import refusal
from hotline.sip.sdp import MediaDescription, SdpError, address_warning, negotiate, parse_sdp
from hotline.sip.topics import LegOriginated, LegRerouted, LegRingingStarted
from hotline.sip.transaction import ClientTransaction, new_branch
from hotline.sip.transport import STREAMED, WEBSOCKET, Source
from hotline.sip.trunks import FAILOVER_STATUSES, Trunk, TrunkBoard, TrunkRoute
from hotline.sip.webrtc import WebRtcBridge

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
    """What originating calls uses of the engine: its address, registrar, trunks and dialog table."""

    host: str
    registrar: Registrar
    trunks: TrunkBoard
    trunk_failover_seconds: float
    dialogs: dict[tuple[str, str], Leg]
    bridge: WebRtcBridge | None  # browser phones' media (None: no browser phones)
    srtp_offer: bool  # offer SRTP (RTP/SAVP, SDES) to phones reached over TLS

    def sent_by(self, proto: str) -> str: ...
    def open_rtp(self) -> Awaitable[RtpSession]: ...


def resolve(engine: OutboundHost, target: str) -> tuple[Source, str, str]:
    """(where to send, Request-URI, To URI) for an extension, a SIP URI or an external number."""
    if target.startswith(("sip:", "sips:")):
        uri = parse_uri(target)
        proto = uri_transport(target, "UDP")
        return Source(proto, (uri.host, uri.port or (5061 if proto == "TLS" else 5060))), target, target
    bindings = engine.registrar.lookup(target)
    if bindings:
        return route_to_binding(engine.host, target, bindings[0])
    trunks = engine.trunks.order()
    if trunks and target.lstrip("+").isdigit():
        return trunk_route(trunks[0], target)
    raise LookupError(f"no route to {target!r}")


def uri_transport(uri: str, default: str) -> str:
    """The transport a SIP URI asks for (``sips:`` or ``transport=tls`` is TLS), else ``default``."""
    parsed = parse_uri(uri)
    named = parsed.params.get("transport", "").lower()
    if parsed.scheme == "sips" or named == "tls":
        return "TLS"
    return {"tcp": "TCP", "udp": "UDP"}.get(named, default)


def trunk_route(trunk: Trunk, number: str) -> tuple[Source, str, str]:
    host, port = trunk.addr
    uri = f"sip:{number}@{host}:{port}"
    return Source("UDP", trunk.addr), uri, uri


def route_to_binding(host: str, target: str, b: Binding) -> tuple[Source, str, str]:
    """Where to send an INVITE for one registered contact of extension ``target``.

    A contact registered through a proxy (Path) is reached through that proxy: the request goes to
    the first Path hop, which the caller puts in a Route header (``b.path``), the Request-URI stays
    the contact.
    """
    contact = parse_uri(b.contact)
    to_uri = f"sip:{target}@{host}"
    tcp_alive = b.source.proto in STREAMED and b.source.conn_alive()
    if b.path:
        hop = parse_uri(parse_name_addr(b.path[0]).uri)
        if tcp_alive and b.source.addr[0] == hop.host:
            return b.source, b.contact, to_uri  # the proxy's own connection
        proto = uri_transport(parse_name_addr(b.path[0]).uri, "UDP")
        return Source(proto, (hop.host, hop.port or (5061 if proto == "TLS" else 5060))), b.contact, to_uri
    if tcp_alive or b.source.proto in WEBSOCKET:
        # reuse the phone's own connection (NAT); a browser has no other (a closed one drops it)
        return b.source, b.contact, to_uri
    if contact.host == b.source.addr[0] or b.source.proto in ("TCP", "TLS"):
        # Not NATed (or its TCP/TLS connection is gone): the Contact is reachable as written.
        proto = uri_transport(b.contact, b.source.proto)
        port = contact.port or (5061 if proto == "TLS" else 5060)
        return Source(proto, (contact.host, port)), b.contact, to_uri
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
    route: TrunkRoute | None = None
    if binding is None:
        dest, ruri, to_uri = resolve(engine, target)
        trunks = engine.trunks.order() if not target.startswith(("sip:", "sips:")) else []
        if trunks and trunks[0].addr == dest.addr:
            route = TrunkRoute(engine.trunks, target, trunks[0], trunks[1:])
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
    req.add("Via", f"SIP/2.0/{dest.proto} {engine.sent_by(dest.proto)};branch={new_branch()};rport")
    for hop in binding.path if binding is not None else ():
        req.add("Route", hop)
    req.add("Max-Forwards", "70")
    disp = f'"{display}" ' if display else ""
    req.add("From", f"{disp}<sip:{caller_id}@{engine.host}>;tag={leg.local_tag}")
    req.add("To", f"<{to_uri}>")
    call_id = f"{os.urandom(10).hex()}@{engine.host}"
    req.add("Call-ID", call_id)
    req.add("CSeq", "1 INVITE")
    req.add("Contact", engine.contact(dest.proto))
    req.add("Allow", engine.ALLOW)
    for name, value in headers:
        req.add(name, value)
    req.add("Content-Type", "application/sdp")
    if dest.proto == "TLS" and engine.srtp_offer:
        leg.srtp = Sdes()  # a phone reached over TLS is offered SRTP (SDES) only
    req.body = leg.local_sdp()
    if dest.proto in WEBSOCKET and not await _bridge_offer(engine, leg, req, call_id):
        return leg
    leg.client_tx = engine.tx.new_client(req, dest, functools.partial(on_invite_response, engine, leg, route))
    if route is not None:
        route.branch = leg.client_tx.branch
        _arm_failover(engine, leg, route)
    engine.bus.publish(LegOriginated(**leg.info(), target=target))
    return leg


async def _bridge_offer(engine: OutboundHost, leg: Leg, req: SipRequest, call_id: str) -> bool:
    """A browser is offered WebRTC media through the bridge; False (leg ended) if that failed."""
    if engine.bridge is None:
        log.warning("leg %s rings a browser phone but no WebRTC bridge is configured", leg.id)
        leg._finish("media_bridge")
        return False
    leg.media_bridge = engine.bridge.media(call_id, leg.local_tag)
    try:
        req.body = await leg.media_bridge.to_browser(req.body, offer=True)
    except NgError as exc:
        log.error("leg %s: WebRTC bridge refused the offer: %s", leg.id, exc)
        leg._finish("media_bridge")
        return False
    return True


def _arm_failover(engine: OutboundHost, leg: Leg, route: TrunkRoute) -> None:
    """No answer beyond "100 Trying" from this trunk within T: the next trunk (if any is left)."""
    if route.left and engine.trunk_failover_seconds > 0:
        loop = asyncio.get_running_loop()
        route.timer = loop.call_later(engine.trunk_failover_seconds, _silent_trunk, engine, leg, route)


def _silent_trunk(engine: OutboundHost, leg: Leg, route: TrunkRoute) -> None:
    route.timer = None
    tx = leg.client_tx
    if tx is None or leg.state != "calling" or route.judged or leg._cancel_pending:
        return
    if tx.state == "calling":
        tx.terminate()  # not even a 100: stop retransmitting (or a late carrier would ring twice)
    else:
        leg.send_cancel(tx)  # a 100 only; its late answers come back as stale ones
    reroute(engine, leg, route, 408)


def reroute(engine: OutboundHost, leg: Leg, route: TrunkRoute, status: int) -> None:
    """Send the call's INVITE to the next trunk: same dialog identity, new branch, CSeq + 1."""
    route.judge(False, f"status_{status}")
    old_tx = leg.client_tx
    assert old_tx is not None
    previous = route.current
    dest, ruri, to_uri = trunk_route(route.left[0], route.number)
    old = old_tx.request
    req = SipRequest(method="INVITE", uri=ruri)
    for name, value in old.headers:
        if name == "Via":
            value = f"SIP/2.0/{dest.proto} {engine.sent_by(dest.proto)};branch={new_branch()};rport"
        elif name == "CSeq":
            value = f"{old.cseq[0] + 1} INVITE"
        elif name == "To":
            value = f"<{to_uri}>"
        elif name in ("Authorization", "Proxy-Authorization"):
            continue
        req.headers.append((name, value))
    req.body = old.body
    leg._auth_tried, leg.early_media = False, False
    callback = functools.partial(on_invite_response, engine, leg, route)
    leg.client_tx = engine.tx.new_client(req, dest, callback)
    trunk = route.advance(leg.client_tx.branch)
    log.warning("leg %s: trunk %s answered %d, trying %s", leg.id, previous.name, status, trunk.name)
    engine.bus.publish(
        LegRerouted(**leg.info(), from_trunk=previous.name, to_trunk=trunk.name, status=status)
    )
    _arm_failover(engine, leg, route)


def _stale(engine: OutboundHost, tx: ClientTransaction | None, resp: SipResponse) -> None:
    """An answer from a trunk the call already left: a late 2xx is ACKed and hung up at once."""
    if tx is None or not 200 <= resp.status < 300:
        return
    dialog = Dialog.from_uac(tx.request, resp, tx.dest, engine.sent_by(tx.dest.proto))
    engine.transports.send(dialog.ack(tx.request.cseq[0]).to_bytes(), tx.dest)
    engine.tx.new_client(dialog.request("BYE"), tx.dest, lambda r: None)


def on_invite_response(engine: OutboundHost, leg: Leg, route: TrunkRoute | None, resp: SipResponse) -> None:
    """Every response to ``leg``'s INVITE (and to its re-sent, authenticated or rerouted copy)."""
    if route is not None and not _trunk_answer(engine, leg, route, resp):
        return
    if resp.status < 200:
        if leg._cancel_pending and resp.status >= 100:
            leg._send_cancel()
        if resp.status > 100 and resp.body and not leg.early_media and leg.media_bridge is None:
            try:
                md = parse_sdp(resp.body)
            except SdpError:
                md = None
            pt = negotiate(md) if md is not None else None
            if md is not None and pt is not None and not _refused(leg, md):
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
        if retry_with_credentials(engine, leg, resp, route):
            return
    if leg.state != "ended":
        leg._finish(STATUS_CAUSE.get(resp.status, f"failed_{resp.status}"), status=resp.status)


def _trunk_answer(engine: OutboundHost, leg: Leg, route: TrunkRoute, resp: SipResponse) -> bool:
    """Failover bookkeeping for a call through the trunks; False when the answer is dealt with here."""
    tx = leg.client_tx
    branch = parse_via(resp.get("Via") or "").branch
    if tx is None or branch != route.branch:
        _stale(engine, engine.tx.client.get((branch, "INVITE")), resp)
        return False
    if resp.status in (100, 401, 407):
        return True  # says nothing about the carrier's health yet
    if resp.status in FAILOVER_STATUSES and route.left and leg.state != "ended" and not leg._cancel_pending:
        reroute(engine, leg, route, resp.status)
        return False
    route.stop_timer()
    route.judge(resp.status not in FAILOVER_STATUSES, f"status_{resp.status}")
    return True


def retry_with_credentials(
    engine: OutboundHost, leg: Leg, resp: SipResponse, route: TrunkRoute | None = None
) -> bool:
    """Answer a trunk's 401/407 challenge to our INVITE once: same dialog identity, CSeq + 1."""
    tx = leg.client_tx
    # Only the carrier gets the carrier's credentials: a registered phone (or anyone we call by
    # URI) that challenges our INVITE must not be able to collect a digest of them.
    trunk = engine.trunks.find(tx.dest.addr) if tx is not None else None
    if tx is None or trunk is None or trunk.credentials is None:
        return False
    proxy = resp.status == 407
    challenge = resp.get("Proxy-Authenticate" if proxy else "WWW-Authenticate")
    if not challenge:
        return False
    old = tx.request
    req = SipRequest(method="INVITE", uri=old.uri)
    for name, value in old.headers:
        if name == "Via":
            value = f"SIP/2.0/{tx.dest.proto} {engine.sent_by(tx.dest.proto)};branch={new_branch()};rport"
        elif name == "CSeq":
            value = f"{old.cseq[0] + 1} INVITE"
        elif name in ("Authorization", "Proxy-Authorization"):
            continue
        req.headers.append((name, value))
    user, password = trunk.credentials
    answer = client_authorization(challenge, "INVITE", old.uri, user, password)
    req.add("Proxy-Authorization" if proxy else "Authorization", answer)
    req.body = old.body
    callback = functools.partial(on_invite_response, engine, leg, route)
    leg.client_tx = engine.tx.new_client(req, tx.dest, callback)
    if route is not None:
        route.branch = leg.client_tx.branch
    return True


def on_uac_answer(engine: OutboundHost, leg: Leg, resp: SipResponse) -> None:
    tx = leg.client_tx
    if tx is None:
        return
    if leg.dialog is not None:
        if leg._last_ack is not None:
            engine.transports.send(leg._last_ack, leg.dialog.dest)  # 2xx retransmitted: re-ACK
        return
    leg.dialog = Dialog.from_uac(tx.request, resp, tx.dest, engine.sent_by(tx.dest.proto))
    ack = leg.dialog.ack(tx.request.cseq[0])
    leg._last_ack = ack.to_bytes()
    engine.transports.send(leg._last_ack, tx.dest)
    if leg.state == "ended":
        engine.tx.new_client(leg.dialog.request("BYE"), tx.dest, lambda r: None)  # answered after we gave up
        return
    engine.dialogs[(leg.dialog.call_id, leg.local_tag)] = leg
    if leg.media_bridge is not None:
        leg.media_bridge.remote_tag = leg.dialog.remote_tag
        engine.spawn(_bridged_answer(engine, leg, resp.body))
        return
    _apply_answer(engine, leg, resp.body)


async def _bridged_answer(engine: OutboundHost, leg: Leg, body: bytes) -> None:
    """The browser's WebRTC answer, made plain by the bridge, then applied like a desk phone's."""
    assert leg.media_bridge is not None and leg.dialog is not None
    try:
        body = await leg.media_bridge.from_browser(body, offer=False)
    except NgError as exc:
        log.error("leg %s: WebRTC bridge refused the answer: %s", leg.id, exc)
        engine.tx.new_client(leg.dialog.request("BYE"), leg.dialog.dest, lambda r: None)
        leg._finish("media_bridge")
        return
    if leg.state != "ended":
        _apply_answer(engine, leg, body)


def _refused(leg: Leg, md: MediaDescription) -> bool:
    why = refusal(md, leg.signalling_proto(), leg.srtp is not None)
    if why is not None:
        log.warning("leg %s: the answer's media refused: %s", leg.id, why)
    return why is not None


def _apply_answer(engine: OutboundHost, leg: Leg, body: bytes) -> None:
    assert leg.dialog is not None
    try:
        md = parse_sdp(body)
        if address_warning(md) is not None or _refused(leg, md):
            # An IPv6 answer (our media is IPv4 only), or plain RTP to our SRTP offer: the call could
            # carry no audio. End it now (never answered) so routing can try someone else.
            engine.tx.new_client(leg.dialog.request("BYE"), leg.dialog.dest, lambda r: None)
            leg._finish("codec")
            return
        leg.apply_remote_media(md, negotiate(md))
    except SdpError:
        log.warning("answer without usable SDP on leg %s", leg.id)
    leg._set_answered()
