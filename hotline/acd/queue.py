"""Queue configuration and the waiting list of one queue (sorted by priority key, FIFO within it).

The waiting list is a sorted list of `(key, call_id)`: the head is the next caller, a caller's
position is one bisect away, and a caller offered to an agent who does not answer goes back with
the same key, so a ring-no-answer or a callback never costs anyone their place.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hotline.acd.ready import ReadyIndex, Strategy


class OverflowKind(StrEnum):
    queue = "queue"
    voicemail = "voicemail"
    callback = "callback"
    hangup = "hangup"


@dataclass(frozen=True)
class Overflow:
    kind: OverflowKind
    target: str | None = None  # the queue name for kind=queue


@dataclass
class QueueConfig:
    name: str
    label: str = ""
    strategy: Strategy = Strategy.longest_idle
    timeout_seconds: float | None = None
    overflow: Overflow | None = None
    wrap_up_seconds: float = 10.0
    ring_timeout_seconds: float = 15.0
    max_no_answer: int = 2  # unanswered rings in a row before auto not-ready
    priority_boost_seconds: float = 300.0
    service_level_seconds: float = 15.0
    default_aht_seconds: float = 180.0


@dataclass
class QueuedCall:
    """A caller in the ACD: waiting, offered to agents, or a callback keeping its place."""

    call_id: str
    queue: str
    caller: str
    priority: int
    enqueued_at: float  # first arrival in the ACD (kept across overflow/transfer)
    queue_entered_at: float  # arrival in the current queue (its own timeout counts from here)
    key: tuple[float, int]
    seq: int
    callback: bool = False
    callback_number: str | None = None
    callback_attempts: int = 0
    offered_to: set[int] = field(default_factory=set)
    declined: set[int] = field(default_factory=set)
    timed_out_in: set[str] = field(default_factory=set)
    data: dict[str, Any] = field(default_factory=dict)
    answered_by: str | None = None  # answered outside the ACD (emergency fan-out), agents may join

    @property
    def offered(self) -> bool:
        return bool(self.offered_to)


class Queue:
    def __init__(self, config: QueueConfig) -> None:
        self.config = config
        self.ready = ReadyIndex(config.name, config.strategy)
        self._waiting: list[tuple[tuple[float, int], str]] = []
        self.staffed: set[int] = set()  # logged-in agents with this skill
        self.aht = config.default_aht_seconds

    @property
    def name(self) -> str:
        return self.config.name

    def __len__(self) -> int:
        return len(self._waiting)

    def add(self, call: QueuedCall) -> None:
        bisect.insort(self._waiting, (call.key, call.call_id))

    def remove(self, call: QueuedCall) -> bool:
        i = bisect.bisect_left(self._waiting, (call.key, call.call_id))
        if i < len(self._waiting) and self._waiting[i][1] == call.call_id:
            del self._waiting[i]
            return True
        return False

    def head(self) -> tuple[tuple[float, int], str] | None:
        return self._waiting[0] if self._waiting else None

    def position(self, call: QueuedCall) -> int:
        """1-based place in line."""
        return bisect.bisect_left(self._waiting, (call.key, call.call_id)) + 1

    def call_ids(self) -> list[str]:
        return [cid for _, cid in self._waiting]

    def estimated_wait(self, position: int) -> float:
        """Seconds until an agent is free for the caller at `position` (Erlang-free estimate)."""
        agents = max(1, len(self.staffed))
        return round(position * self.aht / agents, 1)

    def observe_handle_time(self, seconds: float) -> None:
        # An exponential moving average follows the shift's pace without storing history.
        self.aht = 0.9 * self.aht + 0.1 * max(0.0, seconds)
