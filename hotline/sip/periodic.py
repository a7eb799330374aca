"""The engine's periodic work: RTP timeouts, RTCP reports, pruning, qualify, and conference mixing.

``housekeeping`` ends legs whose RTP went silent for ``rtp_timeout_seconds`` (cause ``rtp_timeout``;
a party holding us is allowed silence), sends RTCP reports, prunes expired bindings, nonces, lockouts
and rate buckets, and qualifies registered phones; ``mix_loop`` ticks the mixers of conference calls
on a 20 ms clock that does not drift. Both run for the engine's lifetime, started by ``start``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from typing import Any, Protocol

from hotline.config import SipSettings
from hotline.sip.auth import DigestAuth
from hotline.sip.b2bua import Call
from hotline.sip.ratelimit import RateLimiter
from hotline.sip.registrar import Registrar


class PeriodicHost(Protocol):
    """What the periodic work uses of the engine."""

    sip: SipSettings
    calls: dict[str, Call]
    mixing_calls: set[Call]
    registrar: Registrar
    auth: DigestAuth
    limiter: RateLimiter
    qualify_interval: float

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]: ...
    def qualify(self) -> None: ...


async def housekeeping(engine: PeriodicHost) -> None:
    """Every second: RTP timeouts; every 5 s RTCP reports; every 30 s pruning; qualify at its interval."""
    tick = 0
    while True:
        await asyncio.sleep(1.0)
        tick += 1
        now = time.monotonic()
        timeout = engine.sip.rtp_timeout_seconds
        for call in list(engine.calls.values()):
            for leg in call.active_legs():
                if leg.state != "answered":
                    continue
                if tick % 5 == 0:
                    leg.rtp.send_rtcp_report()
                quiet_since = max(leg.rtp.last_rx, now - (time.time() - leg.answered_at))
                if timeout > 0 and not leg.remote_hold and now - quiet_since > timeout:
                    engine.spawn(leg.hangup("rtp_timeout"))
        if tick % 30 == 0:
            engine.registrar.expire()
            engine.registrar.guard.prune()
            engine.auth.prune()
            engine.limiter.prune()
        if engine.qualify_interval > 0 and tick % max(1, int(engine.qualify_interval)) == 0:
            engine.qualify()


async def mix_loop(engine: PeriodicHost) -> None:
    """Tick the conference mixers every 20 ms (one RTP packet) while any call is mixing."""
    loop = asyncio.get_running_loop()
    start, n = loop.time(), 0
    while True:
        if not engine.mixing_calls:
            await asyncio.sleep(0.1)
            start, n = loop.time(), 0
            continue
        n += 1
        await asyncio.sleep(max(0.0, start + n * 0.02 - loop.time()))
        for call in list(engine.mixing_calls):
            if call.mixer is not None:
                call.mixer.tick()
