"""Calls routing on top of originate: ring targets, the default route, blind transfer.

``default_route`` (what an inbound call gets when no call-center is installed) rings every contact of
the dialled extension at once and bridges the first to answer; ``first_answered`` waits for the first
of several ringing legs; ``blind_transfer`` carries out a REFER. Above ``outbound`` in the engine's
one-way stack; what it uses of the engine is the :class:`RoutingHost` protocol.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any, Protocol

from hotline.sip.leg import Leg
from hotline.sip.outbound import OutboundHost, originate
from hotline.sip.topics import CallTransferred


class RoutingHost(OutboundHost, Protocol):
    """What routing uses of the engine: originating, plus how long a target may ring."""

    ring_timeout: float


async def default_route(engine: RoutingHost, leg: Leg) -> None:
    """Ring every contact of the dialled extension at once (desk phone and softphone); the first to
    answer is bridged and the others cancelled. Unregistered: 404; nobody answers: the telling cause."""
    bindings = engine.registrar.lookup(leg.dialed)
    if not bindings:
        await leg.hangup("not_found")
        return
    caller_id = leg.caller or "anonymous"
    outs = [
        await originate(engine, leg.dialed, call=leg.call, caller_id=caller_id, binding=b) for b in bindings
    ]

    def ringing(out: Leg, task: asyncio.Future[Any]) -> None:
        if task.cancelled() or not leg.is_active:
            return
        if out.early_media and leg.call.peer(leg) is None:
            # Relay the far end's early media (ringback, announcements) before the answer.
            leg.call.bridge(leg, out)
            engine.spawn(leg.progress())
        else:
            engine.spawn(leg.ring())  # only the first sends 180

    rings = []
    for out in outs:
        ring = asyncio.ensure_future(out.ringing.wait())
        ring.add_done_callback(functools.partial(ringing, out))
        rings.append(ring)
    winner = await first_answered(outs, leg, engine.ring_timeout)
    for ring in rings:
        ring.cancel()
    for out in outs:
        if out is not winner and out.is_active:
            await out.hangup("answered_elsewhere" if winner else "no_answer")
    if not leg.is_active:
        if winner is not None:
            await winner.hangup("cancelled")
        return
    if winner is not None:
        await leg.answer()
        leg.call.bridge(leg, winner)
        return
    causes = [o.cause for o in outs]
    await leg.hangup(next((c for c in ("busy", "rejected") if c in causes), "no_answer"))


async def first_answered(outs: list[Leg], caller: Leg, timeout: float) -> Leg | None:
    """The first of ``outs`` to answer; None when all fail, the caller leaves, or time runs out."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        for out in outs:
            if out.answered.is_set() and out.is_active:
                return out
        remaining = deadline - loop.time()
        if not caller.is_active or all(not o.is_active for o in outs) or remaining <= 0:
            return None
        events = [o.answered for o in outs] + [o.ended for o in outs] + [caller.ended]
        waiters = [asyncio.ensure_future(e.wait()) for e in events if not e.is_set()]
        try:
            await asyncio.wait(waiters, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()


async def blind_transfer(engine: RoutingHost, transferor: Leg, target: str) -> bool:
    """REFER: ring ``target`` for the transferor's peer; on answer bridge them and drop the transferor."""
    call = transferor.call
    peer = call.peer(transferor)
    if peer is None:
        return False
    call.unbridge(transferor)
    await peer.hold()
    try:
        new = await originate(engine, target, call=call, caller_id=peer.caller or "hotline")
    except LookupError:
        await peer.unhold()
        call.bridge(transferor, peer)
        return False
    if await new.wait_answered(engine.ring_timeout) and peer.is_active:
        call.bridge(peer, new)
        engine.bus.publish(CallTransferred(call_id=call.id, from_leg=transferor.id, to_leg=new.id))
        await transferor.hangup("transferred")
        return True
    await new.hangup("no_answer")
    if peer.is_active and transferor.is_active:
        await peer.unhold()
        call.bridge(transferor, peer)
    return False
