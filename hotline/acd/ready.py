"""Per-queue index of ready agents, ordered by the queue's strategy, so a pick is O(log n).

Each strategy is a sort key over the agent's figures (idle since, calls taken, talk time, position,
skill level). The index is a sorted list updated with bisect whenever an agent becomes ready or
stops being ready; choosing is then the first entry (round-robin: the first after the last agent
chosen, wrapping; ring-all: every entry). No scan over all agents on the routing path.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hotline.acd.states import AgentState


class Strategy(StrEnum):
    longest_idle = "longest_idle"
    round_robin = "round_robin"
    linear = "linear"
    fewest_calls = "fewest_calls"
    least_talk_time = "least_talk_time"
    ring_all = "ring_all"
    skill_level = "skill_level"


@dataclass
class Agent:
    """An agent as the ACD sees them: skills (queue name -> level 1..10), state and figures."""

    id: int
    name: str
    skills: dict[str, int]
    extension: str | None = None
    position: int = 0  # order for linear and round-robin
    state: AgentState = AgentState.logged_out
    reason: str | None = None
    state_since: float = 0.0
    idle_since: float = 0.0
    call_id: str | None = None
    misses: int = 0
    calls_taken: int = 0
    talk_seconds: float = 0.0
    talk_started: float | None = None
    wrap_up_until: float | None = None
    ring_until: float | None = None  # a console answer's extended ring deadline
    pending_not_ready: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


KeyFn = Callable[[Agent, str], tuple[Any, ...]]

KEYS: dict[Strategy, KeyFn] = {
    Strategy.longest_idle: lambda a, q: (a.idle_since, a.id),
    Strategy.round_robin: lambda a, q: (a.position, a.id),
    Strategy.linear: lambda a, q: (a.position, a.id),
    Strategy.fewest_calls: lambda a, q: (a.calls_taken, a.idle_since, a.id),
    Strategy.least_talk_time: lambda a, q: (a.talk_seconds, a.idle_since, a.id),
    Strategy.ring_all: lambda a, q: (a.position, a.id),
    Strategy.skill_level: lambda a, q: (-a.skills.get(q, 0), a.idle_since, a.id),
}


class ReadyIndex:
    """Ready agents of one queue, sorted by the strategy's key."""

    def __init__(self, queue: str, strategy: Strategy) -> None:
        self.queue = queue
        self.strategy = strategy
        self._key = KEYS[strategy]
        self._items: list[tuple[tuple[Any, ...], int]] = []
        self._keys: dict[int, tuple[Any, ...]] = {}
        self._last: tuple[Any, ...] | None = None  # round-robin memory

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, agent_id: object) -> bool:
        return agent_id in self._keys

    def add(self, agent: Agent) -> None:
        if agent.id in self._keys:
            self.discard(agent.id)
        key = self._key(agent, self.queue)
        self._keys[agent.id] = key
        bisect.insort(self._items, (key, agent.id))

    def discard(self, agent_id: int) -> None:
        key = self._keys.pop(agent_id, None)
        if key is None:
            return
        i = bisect.bisect_left(self._items, (key, agent_id))
        del self._items[i]

    def agent_ids(self) -> list[int]:
        return [aid for _, aid in self._items]

    def choose(self) -> list[int]:
        """The agent(s) to ring next (several only for ring-all); empty when nobody is ready."""
        if not self._items:
            return []
        if self.strategy is Strategy.ring_all:
            return self.agent_ids()
        if self.strategy is Strategy.round_robin and self._last is not None:
            i = bisect.bisect_right(self._items, (self._last, 1 << 62))
            _, aid = self._items[i] if i < len(self._items) else self._items[0]
        else:
            _, aid = self._items[0]
        return [aid]

    def chosen(self, agent_id: int, agent: Agent) -> None:
        """Remember the agent who got the call (round-robin continues after them)."""
        self._last = self._key(agent, self.queue)
