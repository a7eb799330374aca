"""Live KPIs computed incrementally from the queue log and agent state changes, never in batch.

Each queue event updates counters in O(1) (longest wait uses a lazy heap), per queue and for the
whole center. The definitions are written out once, with worked examples, in docs/kpi.md: offered =
callers who entered; short abandons (< 5 s) are counted apart and left out of every rate; a call is
*resolved* once answered, abandoned, or gone unanswered by overflow (voicemail, hang-up, another
queue); callers still waiting are in no rate yet. Answer rate = answered / resolved; abandon rate =
abandoned / resolved; service level (15 秒接通率) = answered within the queue's threshold /
resolved, so it can never read above the answer rate; ASA = mean wait of answered calls; AHT =
(talk + wrap-up) / completed calls; satisfaction rate (满意率) = (满意 + 基本满意) / rated answers of
the post-call survey (未评价 counts as surveyed, in no rate), fed by the satisfaction domain. A call is
answered once: by an agent, by the callee of a callback picking up, or by the emergency fan-out
(whom an agent may join later, not counted again). The book
is per local day and can be rebuilt at startup by replaying today's queue log.
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

SHORT_ABANDON_SECONDS = 5.0
CENTER = "*"


@dataclass
class QueueKpi:
    offered: int = 0
    answered: int = 0
    answered_in_sl: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    timeouts: int = 0
    lost: int = 0  # left unanswered by overflow (voicemail, hang-up; another queue for the queue)
    callbacks: int = 0
    completed: int = 0
    wait_total: float = 0.0
    talk_total: float = 0.0
    wrap_total: float = 0.0
    max_wait: float = 0.0
    surveyed: int = 0  # post-call survey answers, 未评价 included
    rated: int = 0
    satisfied: int = 0  # 满意 + 基本满意
    dissatisfied: int = 0
    waiting: dict[str, float] = field(default_factory=dict)  # call -> entered at (monotonic)
    _heap: list[tuple[float, str]] = field(default_factory=list)

    def enter(self, call_id: str, at: float, counted: bool) -> None:
        if counted:
            self.offered += 1
        self.waiting[call_id] = at
        heapq.heappush(self._heap, (at, call_id))

    def leave(self, call_id: str) -> None:
        self.waiting.pop(call_id, None)

    def longest_wait(self, now: float) -> float:
        while self._heap and self._heap[0][1] not in self.waiting:
            heapq.heappop(self._heap)
        return round(now - self._heap[0][0], 1) if self._heap else 0.0

    def snapshot(self, now: float) -> dict[str, Any]:
        resolved = self.answered + self.abandoned + self.lost

        def rate(n: int) -> float | None:
            return round(n / resolved, 4) if resolved else None

        return {
            "offered": self.offered,
            "answered": self.answered,
            "abandoned": self.abandoned,
            "short_abandoned": self.short_abandoned,
            "timeouts": self.timeouts,
            "lost": self.lost,
            "callbacks": self.callbacks,
            "waiting": len(self.waiting),
            "answer_rate": rate(self.answered),
            "abandon_rate": rate(self.abandoned),
            "service_level": rate(self.answered_in_sl),
            "asa": round(self.wait_total / self.answered, 1) if self.answered else None,
            "aht": round((self.talk_total + self.wrap_total) / self.completed, 1) if self.completed else None,
            "longest_wait": self.longest_wait(now),
            "max_wait": round(self.max_wait, 1),
            "surveyed": self.surveyed,
            "rated": self.rated,
            "dissatisfied": self.dissatisfied,
            "satisfaction_rate": round(self.satisfied / self.rated, 4) if self.rated else None,
        }


class KpiBook:
    """Counters per queue and for the center ("*"), fed by queue events and agent changes."""

    def __init__(self, service_levels: dict[str, float] | None = None) -> None:
        self.service_levels = service_levels or {}
        self.queues: dict[str, QueueKpi] = {CENTER: QueueKpi()}
        self.agent_states: dict[int, str] = {}
        self.agent_queues: dict[int, list[str]] = {}
        self._wrap_since: dict[int, tuple[float, str]] = {}
        self._last_queue: dict[int, str] = {}

    def reset(self) -> None:
        waiting = {name: dict(q.waiting) for name, q in self.queues.items()}
        self.queues = {CENTER: QueueKpi()}
        for name, calls in waiting.items():  # callers waiting across midnight still wait
            for cid, at in calls.items():
                self._q(name).enter(cid, at, False)

    def queue(self, name: str) -> QueueKpi:
        """The queue's counters, created at zero (a configured queue shows before its first call)."""
        return self._q(name)

    def _q(self, name: str) -> QueueKpi:
        q = self.queues.get(name)
        if q is None:
            q = self.queues[name] = QueueKpi()
        return q

    def queue_event(self, kind: str, call_id: str, queue: str, at: float, **kw: Any) -> None:
        q, c = self._q(queue), self.queues[CENTER]
        wait = float(kw.get("wait") or 0.0)
        agent_id = kw.get("agent_id")
        if kind == "enter":
            q.enter(call_id, at, True)
            c.enter(call_id, at, True)
        elif kind in ("overflow", "transfer"):
            q.enter(call_id, at, True)  # offered to this queue; the center counts each caller once
            if call_id not in c.waiting:
                c.enter(call_id, at, False)
        elif kind == "connect" and kw.get("joined"):
            pass  # an agent joined a call answered elsewhere (emergency): counted when answered
        elif kind == "connect":
            sl = self.service_levels.get(queue, 15.0)
            for k in (q, c):
                k.answered += 1
                k.answered_in_sl += wait <= sl
                k.wait_total += wait
                k.max_wait = max(k.max_wait, wait)
                k.leave(call_id)
            if agent_id is not None:
                self._last_queue[int(agent_id)] = queue
        elif kind in ("abandon", "callback_failed"):
            short = kind == "abandon" and wait < SHORT_ABANDON_SECONDS
            for k in (q, c):
                k.abandoned += not short
                k.short_abandoned += short
                k.max_wait = max(k.max_wait, wait)
                k.leave(call_id)
        elif kind == "timeout":
            for k in (q, c):
                k.timeouts += 1
            if kw.get("overflow") != "callback":  # a callback keeps its place in this queue
                q.leave(call_id)
                q.lost += 1
            if kw.get("overflow") in ("voicemail", "hangup"):
                c.leave(call_id)
                c.lost += 1
        elif kind == "callback":
            for k in (q, c):
                k.callbacks += 1
        elif kind == "complete":
            talk = float(kw.get("talk") or 0.0)
            for k in (q, c):
                k.completed += 1
                k.talk_total += talk

    def satisfaction(self, queue: str | None, level: str) -> None:
        """A post-call survey answer: level satisfied, basically_satisfied, dissatisfied or unrated."""
        books = [self.queues[CENTER]] + ([self._q(queue)] if queue and queue != CENTER else [])
        for k in books:
            k.surveyed += 1
            if level != "unrated":
                k.rated += 1
                k.satisfied += level in ("satisfied", "basically_satisfied")
                k.dissatisfied += level == "dissatisfied"

    def forget_waiting(self) -> None:
        for q in self.queues.values():
            q.waiting.clear()
            q._heap.clear()

    def left(self, call_id: str) -> None:
        """A caller left the ACD by other means (voicemail overflow): stop counting their wait."""
        for q in self.queues.values():
            q.leave(call_id)

    def agent_state(self, agent_id: int, state: str, at: float) -> None:
        prev = self.agent_states.get(agent_id)
        self.agent_states[agent_id] = state
        if prev == "wrap_up" and agent_id in self._wrap_since:
            since, queue = self._wrap_since.pop(agent_id)
            for name in (queue, CENTER):
                self._q(name).wrap_total += max(0.0, at - since)
        if state == "wrap_up":
            self._wrap_since[agent_id] = (at, self._last_queue.get(agent_id, CENTER))

    def snapshot(self, now: float) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, q in self.queues.items():
            snap = q.snapshot(now)
            members = (
                list(self.agent_states)
                if name == CENTER
                else [a for a, qs in self.agent_queues.items() if name in qs]
            )
            snap["agents"] = dict(Counter(self.agent_states.get(a, "logged_out") for a in members))
            out[name] = snap
        return out
