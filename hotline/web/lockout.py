"""Login lockout per (account, client address) pair, with a delay that doubles on each new failure.

Locking an account for everyone would let anyone lock out `admin` by guessing wrong; locking an
address would let one person lock out a whole office behind one NAT. So failures count per pair:
after `max_failures` wrong passwords in the window, that pair waits `lock_seconds`, then twice as
long after the next failure, up to `max_lock_seconds`; a success clears it. Guessing many accounts
from one address (password spraying) is capped separately by a much higher per-address limit.
State is in memory, per process; `clock` is injectable so tests need no sleeps.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from hotline.errors import TooManyRequests

MAX_TRACKED = 10_000


@dataclass
class _Pair:
    failures: int = 0
    last: float = 0.0
    locked_until: float = 0.0


def _too_many(retry: float) -> TooManyRequests:
    seconds = max(1, int(retry + 0.999))
    return TooManyRequests(
        f"too many failed logins; try again in {seconds} s",
        f"登录失败次数过多，请 {seconds} 秒后再试",
        retry_after=seconds,
    )


class LoginLockout:
    def __init__(
        self,
        max_failures: int = 5,
        window_seconds: float = 300,
        lock_seconds: float = 30,
        max_lock_seconds: float = 900,
        ip_max_failures: int = 100,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self.lock_seconds = lock_seconds
        self.max_lock_seconds = max_lock_seconds
        self.ip_max_failures = ip_max_failures
        self.clock = clock
        self._pairs: dict[tuple[str, str], _Pair] = {}
        self._ips: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _pair(self, username: str, ip: str, now: float) -> _Pair:
        key = (username.lower(), ip)
        pair = self._pairs.get(key)
        # The count starts over once the pair has been quiet for a window after its last lock.
        if pair is None or now > max(pair.last, pair.locked_until) + self.window:
            pair = self._pairs[key] = _Pair()
        return pair

    def _ip_failures(self, ip: str, now: float) -> deque[float]:
        q = self._ips.setdefault(ip, deque())
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def check(self, username: str, ip: str) -> None:
        """Raise 429 (with Retry-After) if this pair, or this address as a whole, must wait."""
        now = self.clock()
        with self._lock:
            pair = self._pair(username, ip, now)
            if pair.locked_until > now:
                raise _too_many(pair.locked_until - now)
            q = self._ip_failures(ip, now)
            if len(q) >= self.ip_max_failures:
                raise _too_many(q[0] + self.window - now)

    def fail(self, username: str, ip: str) -> float:
        """Count a failure; returns the lock it starts in seconds (0: not locked yet)."""
        now = self.clock()
        with self._lock:
            self._prune(now)
            pair = self._pair(username, ip, now)
            pair.failures += 1
            pair.last = now
            self._ip_failures(ip, now).append(now)
            over = pair.failures - self.max_failures
            if over < 0:
                return 0.0
            lock = min(self.lock_seconds * 2**over, self.max_lock_seconds)
            pair.locked_until = now + lock
            return lock

    def succeed(self, username: str, ip: str) -> None:
        with self._lock:
            self._pairs.pop((username.lower(), ip), None)

    def _prune(self, now: float) -> None:
        """Bound memory: attackers choose the usernames, so forget pairs nobody needs to remember."""
        if len(self._pairs) < MAX_TRACKED and len(self._ips) < MAX_TRACKED:
            return
        for key in [k for k, p in self._pairs.items() if now > max(p.last, p.locked_until) + self.window]:
            del self._pairs[key]
        for ip in [ip for ip, q in self._ips.items() if not q or q[-1] <= now - self.window]:
            del self._ips[ip]
