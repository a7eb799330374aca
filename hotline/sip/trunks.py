"""The carrier trunks the engine sends external numbers to, in order, and how healthy each one is.

A `TrunkBoard` holds the outbound trunks by priority and, per trunk, its recent call attempts (a
window of outcomes: the failure ratio the administration screen shows) and its last OPTIONS answer.
A trunk is marked down after `down_after` carrier failures in a row (503, 408, 5xx, silence) or an
OPTIONS that goes unanswered; it comes back with its first answered OPTIONS or successful call. Each
change is published (`trunk.failed`, `trunk.recovered`) so alerts reach the people on duty. Calls try
the trunks that are up first (in priority order), then the ones marked down as a last resort.
Below ``outbound`` and ``qualify`` in the engine's one-way stack; it knows only the bus.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field

from hotline.bus import Bus
from hotline.sip.topics import TrunkFailed, TrunkRecovered

# Final answers to our INVITE that say "this carrier cannot take the call now", not "the callee
# said no": the next trunk gets the call.
FAILOVER_STATUSES = frozenset({408, 500, 502, 503, 504})
WINDOW = 20  # call attempts kept per trunk for its failure ratio


@dataclass(frozen=True)
class Trunk:
    """One outbound trunk: a name for people, where INVITEs go (``host:port``), its digest pair."""

    name: str
    target: str
    credentials: tuple[str, str] | None = None

    @property
    def addr(self) -> tuple[str, int]:
        host, _, port = self.target.partition(":")
        return host, int(port or 5060)


@dataclass
class Health:
    """What the engine knows of one trunk right now."""

    up: bool = True
    failures_in_row: int = 0
    outcomes: deque[bool] = field(default_factory=lambda: deque(maxlen=WINDOW))
    options: dict[str, float | int] | None = None  # last OPTIONS: status, rtt_ms, at (epoch)
    changed_at: float = field(default_factory=time.time)
    reason: str = ""
    judged: bool = False  # an OPTIONS or a call has told this process how the trunk is

    @property
    def failure_ratio(self) -> float:
        """Share of the recent call attempts the carrier failed (0 with none yet)."""
        attempts = len(self.outcomes)
        failed = sum(1 for ok in self.outcomes if not ok)
        return round(failed / attempts, 3) if attempts else 0.0

    def view(self) -> dict[str, object]:
        return {
            "up": self.up,
            "attempts": len(self.outcomes),
            "failure_ratio": self.failure_ratio,
            "failures_in_row": self.failures_in_row,
            "options": self.options,
            "changed_at": self.changed_at,
            "reason": self.reason,
        }


class TrunkBoard:
    """Ordered outbound trunks and their health; publishes a trunk going down and coming back."""

    def __init__(self, bus: Bus, down_after: int = 3) -> None:
        self.bus = bus
        self.down_after = down_after
        self.trunks: tuple[Trunk, ...] = ()
        self.health: dict[str, Health] = {}
        self.probes: dict[str, dict[str, float | int]] = {}  # last OPTIONS of any target checked

    def configure(self, trunks: list[Trunk]) -> None:
        """New trunk list (priority order); health of trunks that stay is kept."""
        self.trunks = tuple(t for t in trunks if t.target)
        self.health = {t.target: self.health.get(t.target) or Health() for t in self.trunks}
        self.probes = {k: v for k, v in self.probes.items() if k in self.health}

    @property
    def first(self) -> Trunk | None:
        return self.trunks[0] if self.trunks else None

    def order(self) -> list[Trunk]:
        """The trunks a new call tries: those up in priority order, then those marked down."""
        up = [t for t in self.trunks if self.health[t.target].up]
        return up + [t for t in self.trunks if not self.health[t.target].up]

    def find(self, addr: tuple[str, int]) -> Trunk | None:
        """The trunk at this address (a challenge from anyone else gets no carrier credentials)."""
        return next((t for t in self.trunks if t.addr == addr), None)

    def call_outcome(self, trunk: Trunk, ok: bool, why: str = "") -> None:
        """A call attempt through ``trunk`` ended: answered/refused by the callee (ok) or carrier failure."""
        health = self.health.get(trunk.target)
        if health is None:
            return
        health.outcomes.append(ok)
        if ok:
            health.failures_in_row = 0
            self._mark(trunk, health, True, "call")
            return
        health.failures_in_row += 1
        if health.failures_in_row >= self.down_after:
            self._mark(trunk, health, False, why)

    def options_result(self, target: str, result: dict[str, float | int]) -> None:
        """An OPTIONS check answered (any final answer but 408/503 proves the carrier is there)."""
        self.probes[target] = result
        health = self.health.get(target)
        trunk = next((t for t in self.trunks if t.target == target), None)
        if health is None or trunk is None:
            return
        health.options = result
        alive = int(result["status"]) not in (408, 503)
        if alive:
            health.failures_in_row = 0
        self._mark(trunk, health, alive, f"options_{int(result['status'])}")

    def _mark(self, trunk: Trunk, health: Health, up: bool, why: str) -> None:
        judged, health.judged = health.judged, True
        if health.up == up:
            if up and not judged:
                # This process's first proof the trunk works is told too: a "trunk down" alert that
                # a node which stopped before it saw the trunk come back left open (another node, or
                # this one before a restart) is resolved by it.
                self.bus.publish(TrunkRecovered(trunk=trunk.name, target=trunk.target, reason=why))
            return
        health.up, health.changed_at, health.reason = up, time.time(), why
        if up:
            self.bus.publish(TrunkRecovered(trunk=trunk.name, target=trunk.target, reason=why))
        else:
            self.bus.publish(TrunkFailed(trunk=trunk.name, target=trunk.target, reason=why))


@dataclass
class TrunkRoute:
    """One outbound call's way through the trunks: the one trying now and those left to try."""

    board: TrunkBoard
    number: str
    current: Trunk
    left: list[Trunk]
    branch: str = ""  # the Via branch of the INVITE to `current` (older answers are stale)
    judged: bool = False  # `current`'s outcome is recorded (a provisional or final answer)
    timer: asyncio.TimerHandle | None = None

    def judge(self, ok: bool, why: str = "") -> None:
        if not self.judged:
            self.judged = True
            self.board.call_outcome(self.current, ok, why)

    def advance(self, branch: str) -> Trunk:
        """Move on to the next trunk (the caller checked `left`)."""
        self.stop_timer()
        self.current, self.branch, self.judged = self.left.pop(0), branch, False
        return self.current

    def stop_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
