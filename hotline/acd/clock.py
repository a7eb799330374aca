"""The ACD's timers: ring timeouts, queue timeouts with overflow, wrap-up ends, callback retries.

A mixin of `Acd`: one heap of (due, seq, kind, call, agent); `tick(now)` fires what is due. Timers
are never cancelled, only checked against the current state when they fire (cheaper than removal).
"""

from __future__ import annotations

import heapq
from typing import Any

from hotline.acd.events import Action, OverflowAction, QueueEvent
from hotline.acd.queue import Overflow, OverflowKind, Queue, QueuedCall
from hotline.acd.ready import Agent
from hotline.acd.states import SIGNED_OUT, AgentEvent, AgentState


class Timers:
    agents: dict[int, Agent]
    calls: dict[str, QueuedCall]
    queues: dict[str, Queue]
    _timers: list[tuple[float, int, str, str, int]]
    _lag: float

    def _move(self, agent: Agent, event: AgentEvent, now: float, reason: str | None = None) -> None:
        raise NotImplementedError

    def _dispatch_agent(self, agent: Agent, now: float) -> list[Action]:
        raise NotImplementedError

    def _timer(self, due: float, kind: str, call_id: str, agent_id: int = 0) -> float:
        raise NotImplementedError

    def _dispatch_queue(self, q: Queue, now: float) -> list[Action]:
        raise NotImplementedError

    def _enter(self, call: QueuedCall, q: Queue, now: float, kind: str, **data: Any) -> list[Action]:
        raise NotImplementedError

    def _emit(self, item: Any) -> None:
        raise NotImplementedError

    def no_answer(self, agent_id: int, call_id: str, now: float) -> list[Action]:
        raise NotImplementedError

    def request_callback(self, call_id: str, number: str, now: float) -> None:
        raise NotImplementedError

    def next_due(self) -> float | None:
        return self._timers[0][0] if self._timers else None

    def _apply_pending(self, agent: Agent, now: float) -> bool:
        """After a call: go to the 示忙 chosen during it (or the one an outbound call was dialled
        from), or sign out if the console session ended meanwhile. False if nothing was pending."""
        if not agent.pending_not_ready:
            return False
        reason, agent.pending_not_ready = agent.pending_not_ready, None
        if reason == SIGNED_OUT:
            self._move(agent, AgentEvent.logout, now)
        else:
            self._move(agent, AgentEvent.set_not_ready, now, reason)
        return True

    def tick(self, now: float) -> list[Action]:
        """Fire every timer due by `now`: ring timeouts, queue timeouts, wrap-up ends, retries."""
        actions: list[Action] = []
        while self._timers and self._timers[0][0] <= now:
            due, _, kind, call_id, agent_id = heapq.heappop(self._timers)
            # A timer fired late (the process stalled): what it starts (a new offer's ring, a
            # retry) starts now, or a catch-up would time out rings whose INVITEs never went out.
            outer, self._lag = self._lag, now - due
            try:
                actions += self._fire(kind, call_id, agent_id, due)
            finally:
                self._lag = outer
        return actions

    def _fire(self, kind: str, call_id: str, agent_id: int, at: float) -> list[Action]:
        if kind == "wrap_up":
            agent = self.agents.get(agent_id)
            if agent is None or agent.state is not AgentState.wrap_up or agent.wrap_up_until != at:
                return []
            agent.wrap_up_until = None
            if self._apply_pending(agent, at):
                return []
            self._move(agent, AgentEvent.wrap_up_done, at)
            return self._dispatch_agent(agent, at)
        call = self.calls.get(call_id)
        if call is None:
            return []
        if kind == "ring":
            agent = self.agents.get(agent_id)
            if agent is not None and agent.state is AgentState.ringing and agent.call_id == call_id:
                if agent.ring_until is not None and agent.ring_until > at:
                    return []  # extended (console answer): its own timer decides
                return self.no_answer(agent_id, call_id, at)
            return []
        if kind == "callback_retry":
            q = self.queues[call.queue]
            q.add(call)
            return self._dispatch_queue(q, at)
        if kind == "timeout":
            return self._timeout(call, at)
        return []

    def _timeout(self, call: QueuedCall, now: float) -> list[Action]:
        q = self.queues[call.queue]
        # Same float expression as when the timer was set (entered + timeout), so no rounding misses it.
        if call.offered:  # ringing an agent right now: look again once that ring is over
            self._timer(now + q.config.ring_timeout_seconds, "timeout", call.call_id)
            return []
        if call.callback or now < call.queue_entered_at + (q.config.timeout_seconds or 0):
            return []
        return self._overflow(call, q, now, "timeout")

    def divert(self, call_id: str, now: float, target: str) -> bool:
        """Take a waiting caller out of the queue to another center (an emergency mode's overflow);
        never while an agent's phone rings for them or a callback is owed. The queue log's
        "timeout" line says where they went."""
        call = self.calls.get(call_id)
        if call is None or call.offered or call.callback:
            return False
        q = self.queues[call.queue]
        data = {"overflow": "transfer", "target": target, "reason": "contingency"}
        self._emit(QueueEvent("timeout", call_id, q.name, now, wait=now - call.enqueued_at, data=data))
        q.remove(call)
        del self.calls[call_id]
        return True

    def _overflow(self, call: QueuedCall, q: Queue, now: float, reason: str) -> list[Action]:
        """Move a waiting caller on: the queue timed them out, or has nobody logged in (`reason`
        "no_agent"). The queue log's "timeout" line carries the overflow and the reason."""
        call.timed_out_in.add(q.name)
        overflow = q.config.overflow or Overflow(OverflowKind.hangup)
        data = {"overflow": overflow.kind.value, "target": overflow.target, "reason": reason}
        self._emit(QueueEvent("timeout", call.call_id, q.name, now, wait=now - call.enqueued_at, data=data))
        if overflow.kind is OverflowKind.callback:
            self.request_callback(call.call_id, call.caller, now)
            return [OverflowAction(call.call_id, q.name, overflow.kind, reason=reason)]
        if overflow.kind is OverflowKind.queue:
            if overflow.target not in self.queues or overflow.target == q.name:
                return []  # nowhere to go: the caller keeps waiting here rather than being dropped
            q.remove(call)
            return self._enter(call, self.queues[overflow.target], now, "overflow", from_queue=q.name)
        q.remove(call)
        del self.calls[call.call_id]
        return [OverflowAction(call.call_id, q.name, overflow.kind, overflow.target, reason)]
