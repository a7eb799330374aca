"""Prometheus view of the telephony engines' counters (``engine.stats``) for ``/metrics``.

The engine counts what it refuses or drops - SIP messages rate limited, unparseable or too large, RTP
from a source other than the call's peer (spoofing) - in a plain dict on its hot paths; this
collector reads those dicts only when Prometheus scrapes, so counting costs nothing extra. Engines
register themselves (weakly: a stopped test engine just disappears) and every counter is exported as
``hotline_sip_<name>_total`` summed over them.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from typing import Protocol

from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

HELP = {
    "messages": "SIP messages received",
    "parse_errors": "SIP messages refused as malformed",
    "rate_limited": "SIP messages dropped by the per-source rate limit",
    "handler_errors": "SIP handler failures",
    "too_large": "UDP SIP datagrams refused unparsed as too large (513)",
    "rtp_foreign_dropped": "RTP packets dropped for coming from a source other than the call's peer",
}


class HasStats(Protocol):
    stats: dict[str, int]


_engines: weakref.WeakSet[HasStats] = weakref.WeakSet()


class _EngineCollector(Collector):
    def collect(self) -> Iterator[CounterMetricFamily]:
        engines = list(_engines)
        names = sorted({name for e in engines for name in e.stats} | set(HELP))
        for name in names:
            total = sum(e.stats.get(name, 0) for e in engines)
            text = HELP.get(name, name.replace("_", " "))
            yield CounterMetricFamily(f"hotline_sip_{name}", text, value=total)


_collector = _EngineCollector()
REGISTRY.register(_collector)


def track(engine: HasStats) -> None:
    """Export ``engine.stats`` from now on (for as long as the engine exists)."""
    _engines.add(engine)
