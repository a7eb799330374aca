"""OPTIONS pings the engine sends: qualifying registered phones and checking carrier trunks.

``qualify`` pings every registered contact with OPTIONS and drops the ones that stopped answering
(408/503), so calls are never routed to a phone that is gone; ``check_trunk`` measures a trunk's
answer and round trip (and marks an outbound trunk down or up again, `TrunkBoard`) for the
administration screen and the alerts. Above ``outbound`` (it reaches a contact the
way an INVITE would) in the engine's one-way stack.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import time
from collections.abc import Coroutine, Sequence
from typing import Any, Protocol

from hotline.bus import Bus
from hotline.sip.dialog import new_tag
from hotline.sip.message import SipRequest, SipResponse
from hotline.sip.outbound import route_to_binding
from hotline.sip.registrar import Binding, Registrar
from hotline.sip.topics import SipUnregistered
from hotline.sip.transaction import TransactionLayer, new_branch
from hotline.sip.transport import Source
from hotline.sip.trunks import TrunkBoard

log = logging.getLogger(__name__)


class QualifyHost(Protocol):
    """What the pings use of the engine."""

    bus: Bus
    host: str
    registrar: Registrar
    tx: TransactionLayer
    trunks: TrunkBoard

    def sent_by(self, proto: str) -> str: ...
    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]: ...


def _options(
    engine: QualifyHost, dest: Source, ruri: str, to_uri: str, route: Sequence[str] = ()
) -> SipRequest:
    req = SipRequest(method="OPTIONS", uri=ruri)
    req.add("Via", f"SIP/2.0/{dest.proto} {engine.sent_by(dest.proto)};branch={new_branch()};rport")
    for hop in route:
        req.add("Route", hop)
    req.add("Max-Forwards", "70")
    req.add("From", f"<sip:hotline@{engine.host}>;tag={new_tag()}")
    req.add("To", f"<{to_uri}>")
    req.add("Call-ID", f"{os.urandom(10).hex()}@{engine.host}")
    req.add("CSeq", "1 OPTIONS")
    return req


def qualify(engine: QualifyHost) -> None:
    """Send OPTIONS to every registered contact; drop those that time out (408) or refuse (503).

    Every outbound trunk is pinged too; its answer (any final response but 408/503 means it is
    alive) goes to ``engine.trunks``: the administration screen's health, down/up events.
    """
    for aor in list(engine.registrar.bindings):
        for b in engine.registrar.lookup(aor):
            dest, ruri, to_uri = route_to_binding(engine.host, aor, b)
            engine.tx.new_client(
                _options(engine, dest, ruri, to_uri, b.path), dest, functools.partial(qualified, engine, b)
            )
    for trunk in engine.trunks.trunks:
        engine.spawn(check_trunk(engine, trunk.target))


async def check_trunk(engine: QualifyHost, target: str, timeout: float = 4.0) -> dict[str, float | int]:
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
    engine.trunks.options_result(target, result)
    return result


def qualified(engine: QualifyHost, binding: Binding, resp: SipResponse) -> None:
    if resp.status < 200 or resp.status not in (408, 503):
        return
    current = engine.registrar.bindings.get(binding.aor, {})
    if current.get(binding.contact) is binding:
        del current[binding.contact]
        log.info("extension %s contact %s stopped answering: unregistered", binding.aor, binding.contact)
        engine.bus.publish(SipUnregistered(extension=binding.aor, contact=binding.contact))
