"""Per-source limits: a token bucket against floods, failure counting against password guessing.

:class:`RateLimiter` drops messages beyond ``rate`` per second (burst ``burst``) from one IP before
they are even parsed, the cheapest possible answer to a flood. :class:`AuthFailureLimiter` counts
failed digest attempts per (source IP, extension) and per source IP: past the limit that key is
locked out (403) for a window that doubles with every repeated lockout, so guessing a SIP password
becomes hopeless while a phone of the same extension on another address keeps registering. Both
tables are pruned of idle entries so a spoofed-source flood cannot grow memory without bound.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from hotline.bus import Bus
from hotline.config import SipSettings
from hotline.sip.message import SipParseError, SipRequest, parse_via
from hotline.sip.topics import SecurityAlertRaised

log = logging.getLogger(__name__)


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


def origin_ip(req: SipRequest, source_ip: str, proxies: set[str]) -> str:
    """The address a request really came from: behind a trusted proxy (Kamailio, a trunk peer)
    every phone shares the proxy's address, so the bottom Via (the phone's, stamped ``received``
    by the proxy) names it instead; lockouts then hit the guesser, not everyone behind the proxy."""
    if source_ip not in proxies:
        return source_ip
    vias = req.get_all("Via")
    if len(vias) < 2:
        return source_ip
    try:
        via = parse_via(vias[-1])
    except SipParseError:
        return source_ip
    return via.params.get("received") or via.host or source_ip


@dataclass
class Lockout:
    """One lockout: ``extension`` is "" when the whole source address is locked."""

    source_ip: str
    extension: str
    failures: int
    seconds: float


@dataclass
class _Failures:
    count: int
    first_at: float
    last_at: float
    locked_until: float = 0.0
    strikes: int = 0  # lockouts so far: each one doubles the next


class AuthFailureLimiter:
    """Failed digest attempts per (IP, extension) and per IP, with doubling lockouts."""

    def __init__(
        self,
        *,
        max_failures: int = 5,
        max_ip_failures: int = 20,
        window: float = 300.0,
        lockout: float = 60.0,
        max_lockout: float = 3600.0,
        max_entries: int = 50_000,
        on_lockout: Callable[[Lockout], None] | None = None,
    ) -> None:
        self.max_failures = max_failures
        self.max_ip_failures = max_ip_failures
        self.window = window
        self.lockout = lockout
        self.max_lockout = max_lockout
        self.max_entries = max_entries
        self.on_lockout = on_lockout
        self._table: dict[tuple[str, str], _Failures] = {}

    def blocked(self, ip: str, extension: str, now: float | None = None) -> float:
        """Seconds left of a lockout of this source for this extension (0: not locked)."""
        now = now if now is not None else time.monotonic()
        left = 0.0
        for key in ((ip, extension), (ip, "")):
            rec = self._table.get(key)
            if rec is not None and rec.locked_until > now:
                left = max(left, rec.locked_until - now)
        return left

    def failed(self, ip: str, extension: str, now: float | None = None) -> list[Lockout]:
        """Count one failed attempt; returns the lockouts it started (usually none)."""
        now = now if now is not None else time.monotonic()
        started = []
        for key, limit in (((ip, extension), self.max_failures), ((ip, ""), self.max_ip_failures)):
            if limit <= 0:
                continue
            rec = self._table.get(key)
            if rec is None:
                rec = self._table[key] = _Failures(0, now, now)
            elif now - rec.first_at > self.window:
                rec.count, rec.first_at = 0, now
            rec.count += 1
            rec.last_at = now
            if rec.count >= limit and rec.locked_until <= now:
                seconds = min(self.max_lockout, self.lockout * 2**rec.strikes)
                rec.locked_until, rec.strikes = now + seconds, rec.strikes + 1
                lock = Lockout(ip, key[1], rec.count, seconds)
                rec.count, rec.first_at = 0, now
                started.append(lock)
                if self.on_lockout is not None:
                    self.on_lockout(lock)
        if len(self._table) > self.max_entries:
            self.prune(now)
        return started

    def succeeded(self, ip: str, extension: str) -> None:
        """The right password from this source: its earlier failures were typos, not guesses."""
        self._table.pop((ip, extension), None)

    def prune(self, now: float | None = None) -> None:
        """Forget sources idle past the window whose lockout (and its doubling memory) has lapsed;
        past ``max_entries`` also the longest-idle unlocked ones."""
        now = now if now is not None else time.monotonic()
        self._table = {
            k: r
            for k, r in self._table.items()
            if now - r.last_at < self.window or now < r.locked_until + self.max_lockout
        }
        if len(self._table) > self.max_entries:
            unlocked = sorted((r.last_at, k) for k, r in self._table.items() if r.locked_until <= now)
            for _, key in unlocked[: len(self._table) - self.max_entries]:
                del self._table[key]


def lockout_guard(sip: SipSettings, bus: Bus) -> AuthFailureLimiter:
    """The engine's limiter from its settings: each lockout is logged (structured, no secrets) and
    published as a ``security.alert`` the supervisors' wallboards show."""

    def announce(lock: Lockout) -> None:
        fields = {"source_ip": lock.source_ip, "extension": lock.extension, "failures": lock.failures}
        fields["seconds"] = lock.seconds
        log.warning(
            "SIP digest failures: %s locked out for %s s (extension %s, %d failures)",
            lock.source_ip,
            lock.seconds,
            lock.extension or "*",
            lock.failures,
            extra={"event": "sip.lockout", **fields},
        )
        bus.publish(
            SecurityAlertRaised(
                kind="sip_auth_lockout",
                source_ip=lock.source_ip,
                extension=lock.extension,
                failures=lock.failures,
                seconds=lock.seconds,
            )
        )

    return AuthFailureLimiter(
        max_failures=sip.auth_max_failures,
        max_ip_failures=sip.auth_max_ip_failures,
        window=sip.auth_failure_window_seconds,
        lockout=sip.auth_lockout_seconds,
        max_lockout=sip.auth_lockout_max_seconds,
        on_lockout=announce,
    )
