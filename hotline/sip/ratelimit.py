"""Per-source-IP token buckets so one flooding address cannot starve the engine.

Messages beyond ``rate`` per second (with a burst of ``burst``) from one IP are dropped before they
are even parsed, which is the cheapest possible answer to a flood. The table of buckets is pruned of
idle addresses so a spoofed-source flood cannot grow memory without bound.
"""

from __future__ import annotations

import time


class RateLimiter:
    def __init__(self, rate: float, burst: float | None = None, max_sources: int = 50_000) -> None:
        self.rate = float(rate)
        self.burst = float(burst if burst is not None else max(rate * 2, 20))
        self.max_sources = max_sources
        self._buckets: dict[str, tuple[float, float]] = {}
        self.dropped = 0

    def allow(self, ip: str, now: float | None = None) -> bool:
        if self.rate <= 0:
            return True
        now = now if now is not None else time.monotonic()
        tokens, last = self._buckets.get(ip, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1:
            self._buckets[ip] = (tokens, now)
            self.dropped += 1
            return False
        self._buckets[ip] = (tokens - 1, now)
        if len(self._buckets) > self.max_sources:
            self.prune(now)
        return True

    def prune(self, now: float | None = None) -> None:
        now = now if now is not None else time.monotonic()
        idle = self.burst / self.rate
        self._buckets = {ip: v for ip, v in self._buckets.items() if now - v[1] < idle}
