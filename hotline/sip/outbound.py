"""Calls and requests the engine originates: routing a target, INVITEs, trunk digest, qualify.

``originate`` turns a target - an extension (any of its registered contacts), a ``sip:`` URI or an
external number for the outbound trunk - into an INVITE on a new leg; a carrier's 401/407 is answered
once with the trunk credentials; a 2xx creates the dialog and is ACKed (again for every retransmitted
2xx). ``qualify`` pings every registered contact with OPTIONS and drops the ones that stopped
answering, so calls are never routed to a phone that is gone. The engine exposes these as methods.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from hotline.sip.auth import client_authorization
from hotline.sip.b2bua import Call
from hotline.sip.dialog import Dialog, new_tag
from hotline.sip.leg import Leg
from hotline.sip.message import SipRequest, SipResponse, parse_name_addr, parse_uri
from hotline.sip.registrar import Binding
from hotline.sip.sdp import SdpError, address_warning, negotiate, parse_sdp
from hotline.sip.transaction import new_branch
from hotline.sip.transport import Source

if TYPE_CHECKING:
    from hotline.sip.engine import TelephonyEngine

log = logging.getLogger(__name__)


def resolve(engine: TelephonyEngine, target: str) -> tuple[Source, str, str]:
    """(where to send, Request-URI, To URI) for an extension, a SIP URI or an external number."""
    if target.startswith(("sip:", "sips:")):
        uri = parse_uri(target)
        proto = "TCP" if uri.params.get("transport", "").lower() == "tcp" else "UDP"
        return Source(proto, (uri.host, uri.port or 5060)), target, target
    bindings = engine.registrar.lookup(target)
    if bindings:
        return route_to_binding(engine, target, bindings[0])
    if engine.outbound_trunk and target.lstrip("+").isdigit():
        host, _, port = engine.outbound_trunk.partition(":")
        trunk_uri = f"sip:{target}@{host}:{port or 5060}"
        return Source("UDP", (host, int(port or 5060))), trunk_uri, trunk_uri
    raise LookupError(f"no route to {target!r}")


def route_to_binding(engine: TelephonyEngine, target: str, b: Binding) -> tuple[Source, str, str]:
    """Where to send an INVITE for one registered contact of extension ``target``.

    A contact registered through a proxy (Path) is reached through that proxy: the request goes to
    the first Path hop, which the caller puts in a Route header (``b.path``), the Request-URI stays
    the contact.
    """
    contact = parse_uri(b.contact)
    to_uri = f"sip:{target}@{engine.host}"
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
    engine: TelephonyEngine,
    target: str,
    *,
    call: Call | None = None,
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
        dest, ruri, to_uri = route_to_binding(engine, target, binding)
    if call is None:
        call = Call(engine, os.urandom(8).hex())
        engine.calls[call.id] = call
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
    leg.client_tx = engine.tx.new_client(req, dest, leg.on_invite_response)
    leg.publish("leg.calling", target=target)
    return leg


def retry_with_credentials(engine: TelephonyEngine, leg: Leg, resp: SipResponse) -> bool:
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
    leg.client_tx = engine.tx.new_client(req, tx.dest, leg.on_invite_response)
    return True


def on_uac_answer(engine: TelephonyEngine, leg: Leg, resp: SipResponse) -> None:
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


def _options(
    engine: TelephonyEngine, dest: Source, ruri: str, to_uri: str, route: Sequence[str] = ()
) -> SipRequest:
    req = SipRequest(method="OPTIONS", uri=ruri)
    req.add("Via", f"SIP/2.0/{dest.proto} {engine.via_host};branch={new_branch()};rport")
    for hop in route:
        req.add("Route", hop)
    req.add("Max-Forwards", "70")
    req.add("From", f"<sip:hotline@{engine.host}>;tag={new_tag()}")
    req.add("To", f"<{to_uri}>")
    req.add("Call-ID", f"{os.urandom(10).hex()}@{engine.host}")
    req.add("CSeq", "1 OPTIONS")
    return req


def qualify(engine: TelephonyEngine) -> None:
    """Send OPTIONS to every registered contact; drop those that time out (408) or refuse (503).

    The outbound trunk is pinged too; its answer (any final response means it is alive) is kept in
    ``engine.trunk_health`` for the administration screen.
    """
    for aor in list(engine.registrar.bindings):
        for b in engine.registrar.lookup(aor):
            dest, ruri, to_uri = route_to_binding(engine, aor, b)
            engine.tx.new_client(
                _options(engine, dest, ruri, to_uri, b.path), dest, functools.partial(qualified, engine, b)
            )
    if engine.outbound_trunk:
        engine.spawn(check_trunk(engine, engine.outbound_trunk))


async def check_trunk(engine: TelephonyEngine, target: str, timeout: float = 4.0) -> dict[str, float | int]:
    """OPTIONS to ``host:port``; a final response (even 4xx) proves the trunk is there, 408 = silent."""
    host, _, port = target.partition(":")
    dest = Source("UDP", (host, int(port or 5060)))
    uri = f"sip:{host}:{port or 5060}"
    loop = asyncio.get_running_loop()
    answered: asyncio.Future[int] = loop.create_future()
    started = time.monotonic()

    def on_response(resp: SipResponse) -> None:
        if resp.status >= 200 and not answered.done():
            answered.set_result(resp.status)

    engine.tx.new_client(_options(engine, dest, uri, uri), dest, on_response)
    try:
        status = await asyncio.wait_for(answered, timeout)
    except TimeoutError:
        status = 408
    result: dict[str, float | int] = {
        "status": status,
        "rtt_ms": round((time.monotonic() - started) * 1000, 1),
        "at": time.time(),
    }
    if target == engine.outbound_trunk:
        engine.trunk_health[target] = result
    return result


def qualified(engine: TelephonyEngine, binding: Binding, resp: SipResponse) -> None:
    if resp.status < 200 or resp.status not in (408, 503):
        return
    current = engine.registrar.bindings.get(binding.aor, {})
    if current.get(binding.contact) is binding:
        del current[binding.contact]
        log.info("extension %s contact %s stopped answering: unregistered", binding.aor, binding.contact)
        engine.bus.publish("sip.unreachable", {"extension": binding.aor, "contact": binding.contact})
