"""The ACD routing core: pure, in memory, driven by events with an explicit clock.

`Acd` holds queues, agents and waiting callers. Every method takes `now` (seconds) and returns the
actions the call center must carry out (`Offer`: ring these agents with this call; `OverflowAction`:
move the call to voicemail or hang up). What happened is reported to listeners as `QueueEvent`s
(the queue log the KPIs are computed from) and `AgentChange`s. Invariants, checked by property
tests: every caller is in exactly one place (waiting, offered, connected or finished), no agent is
on two calls, FIFO holds within a priority level, and a queue never has both waiting callers and
ready agents after a step.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable
from typing import Any

from hotline.acd.callbacks import Callbacks
from hotline.acd.clock import Timers
from hotline.acd.events import (
    Action,
    AgentChange,
    Listener,
    Offer,
    OverflowAction,
    QueueEvent,
)
from hotline.acd.queue import Queue, QueueConfig, QueuedCall
from hotline.acd.ready import Agent
from hotline.acd.states import BUSY, SIGNED_OUT, AgentEvent, AgentState, next_state
from hotline.errors import Conflict, NotFound

__all__ = ["Acd", "Action", "AgentChange", "Offer", "OverflowAction", "QueueEvent"]


class Acd(Callbacks, Timers):
    def __init__(self) -> None:
        self.queues: dict[str, Queue] = {}
        self.agents: dict[int, Agent] = {}
        self.calls: dict[str, QueuedCall] = {}  # waiting or offered
        self.connected: dict[str, int] = {}  # call -> agent
        self.connected_queue: dict[str, str] = {}  # call -> the queue it was answered from
        self._callbacks: dict[str, QueuedCall] = {}  # answered callbacks until the callee picks up
        self.listeners: list[Listener] = []
        self._seq = itertools.count()
        self._timers: list[tuple[float, int, str, str, int]] = []  # (due, seq, kind, call_id, agent)
        self._lag = 0.0  # how late the timer being fired is: timers it sets are pushed back as much

    # --- configuration ------------------------------------------------------------------------

    def add_queue(self, config: QueueConfig) -> Queue:
        queue = Queue(config)
        old = self.queues.get(config.name)
        self.queues[config.name] = queue
        if old is not None:  # reconfigured: keep callers and ready agents
            for cid in old.call_ids():
                queue.add(self.calls[cid])
            queue.staffed = old.staffed
            for aid in old.ready.agent_ids():
                queue.ready.add(self.agents[aid])
        return queue

    def add_agent(self, agent: Agent) -> Agent:
        old = self.agents.get(agent.id)
        if old is not None:
            self._unindex(old)
            agent.state, agent.reason, agent.call_id = old.state, old.reason, old.call_id
            agent.idle_since, agent.state_since = old.idle_since, old.state_since
        self.agents[agent.id] = agent
        self._index(agent)
        return agent

    def remove_agent(self, agent_id: int) -> bool:
        """Drop an agent who no longer has skills; one still logged in keeps serving their current
        call and leaves the queues (no new offers) until they log out."""
        agent = self.agents.get(agent_id)
        if agent is None:
            return False
        self._unindex(agent)
        if agent.state is AgentState.logged_out:
            del self.agents[agent_id]
            return True
        agent.skills = {}
        return False

    def queue(self, name: str) -> Queue:
        try:
            return self.queues[name]
        except KeyError:
            raise NotFound(f"no queue {name!r}", f"没有队列 {name}") from None

    def agent(self, agent_id: int) -> Agent:
        try:
            return self.agents[agent_id]
        except KeyError:
            raise NotFound(
                f"agent {agent_id} is not known to the ACD", f"座席 {agent_id} 未配置技能"
            ) from None

    # --- agent state ---------------------------------------------------------------------------

    def _emit(self, item: QueueEvent | AgentChange) -> None:
        for listener in self.listeners:
            listener(item)

    def _unindex(self, agent: Agent) -> None:
        for q in agent.skills:
            if q in self.queues:
                self.queues[q].ready.discard(agent.id)
                self.queues[q].staffed.discard(agent.id)

    def _index(self, agent: Agent) -> None:
        for q in agent.skills:
            queue = self.queues.get(q)
            if queue is None:
                continue
            if agent.state is AgentState.logged_out:
                queue.staffed.discard(agent.id)
            else:
                queue.staffed.add(agent.id)
            if agent.state is AgentState.ready:
                queue.ready.add(agent)
            else:
                queue.ready.discard(agent.id)

    def _move(self, agent: Agent, event: AgentEvent, now: float, reason: str | None = None) -> None:
        state = next_state(agent.state, event)
        if agent.state is not state or event is AgentEvent.set_not_ready:
            agent.state_since = now
        if state is AgentState.ready:
            agent.idle_since = now
            agent.reason = None
        elif state is AgentState.not_ready:
            agent.reason = reason or "busy"
        if state not in BUSY and state is not AgentState.wrap_up:
            agent.call_id = None
        agent.state = state
        self._index(agent)
        self._emit(AgentChange(agent.id, state, agent.reason, now, agent.call_id))

    # A 示忙 chosen during a call waits in `pending_not_ready` for the call's wrap-up to end; a
    # state the agent chooses meanwhile (示闲 or 示忙 in wrap-up, sign-in, sign-out) replaces it,
    # so it never fires after a later call.

    def login(self, agent_id: int, now: float) -> list[Action]:
        agent = self.agent(agent_id)
        self._move(agent, AgentEvent.login, now)
        agent.misses = 0
        agent.pending_not_ready = None
        return self._dispatch_agent(agent, now)

    def logout(self, agent_id: int, now: float) -> None:
        agent = self.agent(agent_id)
        self._move(agent, AgentEvent.logout, now)
        agent.pending_not_ready = None

    def set_ready(self, agent_id: int, now: float) -> list[Action]:
        agent = self.agent(agent_id)
        if agent.state in BUSY and agent.pending_not_ready not in (None, SIGNED_OUT):
            agent.pending_not_ready = None  # 示闲 during the call: the 示忙 chosen in it is off
            return []
        self._move(agent, AgentEvent.set_ready, now)
        agent.misses = 0
        agent.wrap_up_until = None
        agent.pending_not_ready = None
        return self._dispatch_agent(agent, now)

    def set_not_ready(self, agent_id: int, now: float, reason: str = "busy") -> None:
        agent = self.agent(agent_id)
        if agent.state in BUSY:
            agent.pending_not_ready = reason  # applied when the call's wrap-up ends
            return
        self._move(agent, AgentEvent.set_not_ready, now, reason)
        agent.wrap_up_until = None
        agent.pending_not_ready = None

    def extend_wrap_up(self, agent_id: int, seconds: float, now: float) -> float:
        """More time to finish the notes: the wrap-up ends `seconds` later. Returns the time left."""
        agent = self.agent(agent_id)
        if agent.state is not AgentState.wrap_up or agent.wrap_up_until is None:
            raise Conflict("the agent is not in wrap-up", "当前不在话后整理，无需延长")
        agent.wrap_up_until = self._timer(
            max(agent.wrap_up_until, now) + seconds, "wrap_up", agent.call_id or "", agent_id
        )
        return agent.wrap_up_until - now

    def hold(self, agent_id: int, now: float) -> None:
        self._move(self.agent(agent_id), AgentEvent.hold, now)

    def unhold(self, agent_id: int, now: float) -> None:
        self._move(self.agent(agent_id), AgentEvent.unhold, now)

    def dial(self, agent_id: int, call_id: str, now: float, own: bool = False) -> None:
        """The agent places an outbound call (`own`), or is reserved for a transfer to them: out of
        the queues until it ends. Their own call from 示忙 returns them to 示忙."""
        agent = self.agent(agent_id)
        next_state(agent.state, AgentEvent.dial)
        if own and agent.state is AgentState.not_ready and agent.pending_not_ready is None:
            agent.pending_not_ready = agent.reason  # back to 示忙 (same reason) after the call
        agent.call_id = call_id
        self._move(agent, AgentEvent.dial, now)
        self.connected[call_id] = agent_id

    # --- callers -------------------------------------------------------------------------------

    def enqueue(
        self,
        call_id: str,
        queue: str,
        caller: str,
        priority: int,
        now: float,
        *,
        data: dict[str, Any] | None = None,
    ) -> list[Action]:
        if call_id in self.calls or call_id in self.connected:
            raise Conflict(f"call {call_id} is already queued", f"来电 {call_id} 已在排队")
        q = self.queue(queue)
        seq = next(self._seq)
        call = QueuedCall(
            call_id, queue, caller, priority, now, now, self._key(q, now, priority, seq), seq, data=data or {}
        )
        self.calls[call_id] = call
        return self._enter(call, q, now, "enter")

    def _key(self, q: Queue, enqueued_at: float, priority: int, seq: int) -> tuple[float, int]:
        return (enqueued_at - priority * q.config.priority_boost_seconds, seq)

    def _enter(self, call: QueuedCall, q: Queue, now: float, kind: str, **data: Any) -> list[Action]:
        call.queue = q.name
        call.queue_entered_at = now
        call.key = self._key(q, call.enqueued_at, call.priority, call.seq)
        q.add(call)
        self._emit(QueueEvent(kind, call.call_id, q.name, now, data={"priority": call.priority, **data}))
        if q.config.timeout_seconds is not None and q.name not in call.timed_out_in and not call.callback:
            if not q.staffed:
                # Nobody is logged in to answer: waiting out the timeout cannot help the caller.
                return self._overflow(call, q, now, "no_agent")
            self._timer(now + q.config.timeout_seconds, "timeout", call.call_id)
        return self._dispatch_queue(q, now)

    def _timer(self, due: float, kind: str, call_id: str, agent_id: int = 0) -> float:
        """Set a timer; returns when it fires (later than `due` if set by a timer that fired late)."""
        due += self._lag
        heapq.heappush(self._timers, (due, next(self._seq), kind, call_id, agent_id))
        return due

    def position(self, call_id: str) -> tuple[int, float]:
        """(1-based position, estimated wait in seconds) of a waiting caller."""
        call = self._call(call_id)
        q = self.queues[call.queue]
        if call.offered:
            return (0, 0.0)
        pos = q.position(call)
        return (pos, q.estimated_wait(pos))

    def _call(self, call_id: str) -> QueuedCall:
        try:
            return self.calls[call_id]
        except KeyError:
            raise NotFound(f"call {call_id} is not waiting", f"来电 {call_id} 不在排队中") from None

    def waiting(self, queue: str) -> list[QueuedCall]:
        """The queue view: waiting callers in the order they will be served."""
        return [self.calls[cid] for cid in self.queue(queue).call_ids()]

    def abandon(self, call_id: str, now: float) -> None:
        """The caller hung up before being connected."""
        call = self.calls.pop(call_id, None)
        if call is None:
            return
        self.queues[call.queue].remove(call)
        if call.answered_by is not None:  # answered elsewhere (emergency fan-out): no abandon
            self._emit(QueueEvent("ended", call_id, call.queue, now, data={"by": call.answered_by}))
        else:
            self._emit(QueueEvent("abandon", call_id, call.queue, now, wait=now - call.enqueued_at))
        for aid in list(call.offered_to):
            self._cancel_ring(aid, now)

    def _cancel_ring(self, agent_id: int, now: float) -> list[Action]:
        agent = self.agents[agent_id]
        if agent.state is AgentState.ringing:
            agent.ring_until = None
            self._move(agent, AgentEvent.cancel, now)
            return self._dispatch_agent(agent, now)
        return []

    def transfer(self, call_id: str, queue: str, now: float) -> list[Action]:
        """Move a connected call back into a queue (an agent's blind transfer to a queue)."""
        q = self.queue(queue)
        actions: list[Action] = []
        agent_id = self.connected.get(call_id)
        if agent_id is not None:
            actions += self._end_agent_call(call_id, now, transferred=True)
        seq = next(self._seq)
        call = QueuedCall(call_id, queue, "", 0, now, now, self._key(q, now, 0, seq), seq)
        self.calls[call_id] = call
        return actions + self._enter(call, q, now, "transfer", from_agent=agent_id)

    # --- offers and answers --------------------------------------------------------------------

    def _dispatch_queue(self, q: Queue, now: float) -> list[Action]:
        actions: list[Action] = []
        while len(q) and len(q.ready):
            _, call_id = q.head()  # type: ignore[misc]
            actions.append(self._offer(self.calls[call_id], q, q.ready.choose(), now))
        return actions

    def _dispatch_agent(self, agent: Agent, now: float) -> list[Action]:
        if agent.state is not AgentState.ready:
            return []
        best: tuple[tuple[float, int], int, Queue] | None = None
        for name, level in agent.skills.items():
            q = self.queues.get(name)
            head = q.head() if q is not None else None
            if q is None or head is None:
                continue
            cand = (head[0], -level, q)
            if best is None or cand[:2] < best[:2]:
                best = cand
        if best is None:
            return []
        q = best[2]
        _, call_id = q.head()  # type: ignore[misc]
        return [self._offer(self.calls[call_id], q, [agent.id], now)]

    def _offer(self, call: QueuedCall, q: Queue, agent_ids: Iterable[int], now: float) -> Offer:
        q.remove(call)
        ids = tuple(agent_ids)
        for aid in ids:
            agent = self.agents[aid]
            agent.call_id = call.call_id
            self._move(agent, AgentEvent.offer, now)
            q.ready.chosen(aid, agent)
            self._timer(now + q.config.ring_timeout_seconds, "ring", call.call_id, aid)
        call.offered_to = set(ids)
        return Offer(call.call_id, q.name, ids, call.callback_number or call.caller, call.callback)

    def pick(self, agent_id: int, call_id: str, now: float) -> Offer:
        """Queue view: the agent takes a waiting call of one of their queues, out of turn."""
        agent = self.agent(agent_id)
        call = self._call(call_id)
        if call.queue not in agent.skills:
            raise Conflict("the agent does not serve this queue", "座席不属于该技能组")
        if call.offered:
            raise Conflict("the call is already ringing an agent", "该来电正在振铃座席")
        if agent.state not in (AgentState.ready, AgentState.not_ready):
            next_state(agent.state, AgentEvent.offer)
        return self._offer(call, self.queues[call.queue], [agent_id], now)

    def answer(self, agent_id: int, call_id: str, now: float) -> list[Action]:
        agent = self.agent(agent_id)
        if call_id not in self.calls and self.connected.get(call_id) == agent_id:
            self._move(agent, AgentEvent.answer, now)  # the agent's outbound call connected
            agent.talk_started = now
            return []
        call = self._call(call_id)
        if agent_id not in call.offered_to or agent.call_id != call_id:
            raise Conflict("this call is not ringing this agent", "该来电未在此座席振铃")
        self._move(agent, AgentEvent.answer, now)
        agent.call_id = call_id
        agent.ring_until = None
        agent.misses = 0
        agent.talk_started = now
        del self.calls[call_id]
        self.connected[call_id] = agent_id
        self.connected_queue[call_id] = call.queue
        data: dict[str, Any] = {"callback": call.callback, "priority": call.priority}
        if call.callback:
            # Not answered yet: the callee has still to pick up (`callback_connected`).
            self._callbacks[call_id] = call
            self._emit(QueueEvent("callback_dial", call_id, call.queue, now, agent_id, data=data))
        else:
            if call.answered_by is not None:  # joining a call answered elsewhere (counted then)
                data["joined"] = call.answered_by
            wait = now - call.enqueued_at
            self._emit(QueueEvent("connect", call_id, call.queue, now, agent_id, wait, data))
        actions: list[Action] = []
        for other in call.offered_to - {agent_id}:
            actions += self._cancel_ring(other, now)
        return actions

    def extend_ring(self, agent_id: int, call_id: str, until: float) -> None:
        """Keep an offer ringing until ``until`` (the agent answered in the console and the phone is
        being asked to pick up by itself); a no-op unless the agent is ringing for this call."""
        agent = self.agents.get(agent_id)
        if agent is None or agent.state is not AgentState.ringing or agent.call_id != call_id:
            return
        agent.ring_until = max(until, agent.ring_until or 0.0)
        self._timer(agent.ring_until, "ring", call_id, agent_id)

    def no_answer(self, agent_id: int, call_id: str, now: float) -> list[Action]:
        call = self._call(call_id)
        agent = self.agent(agent_id)
        agent.ring_until = None
        if agent_id not in call.offered_to or agent.state is not AgentState.ringing:
            raise Conflict("this call is not ringing this agent", "该来电未在此座席振铃")
        q = self.queues[call.queue]
        agent.misses += 1
        limit = agent.misses >= q.config.max_no_answer
        self._move(
            agent,
            AgentEvent.no_answer_limit if limit else AgentEvent.no_answer,
            now,
            "no_answer" if limit else None,
        )
        call.offered_to.discard(agent_id)
        call.declined.add(agent_id)
        self._emit(
            QueueEvent("ring_no_answer", call_id, call.queue, now, agent_id, data={"auto_not_ready": limit})
        )
        actions: list[Action] = []
        if not call.offered_to:
            q.add(call)  # same key: the caller keeps their place
            actions += self._dispatch_queue(q, now)
        if not limit:
            actions += self._dispatch_agent(agent, now)
        return actions

    def _release_offer(self, call: QueuedCall, now: float) -> None:
        for aid in list(call.offered_to):
            self._cancel_ring(aid, now)
        call.offered_to = set()

    def hangup(self, call_id: str, now: float) -> list[Action]:
        """A call ended: an abandon if it was waiting, else the agent goes to timed wrap-up."""
        if call_id not in self.connected:
            self.abandon(call_id, now)
            return []
        return self._end_agent_call(call_id, now)

    def _end_agent_call(
        self, call_id: str, now: float, transferred: bool = False, complete: bool = True
    ) -> list[Action]:
        agent_id = self.connected.pop(call_id)
        queue = self.connected_queue.pop(call_id, "")
        self._callbacks.pop(call_id, None)
        agent = self.agents[agent_id]
        if agent.call_id != call_id:
            return []
        if agent.state is AgentState.ringing:  # outbound call that never connected
            self._move(agent, AgentEvent.cancel, now)
            return [] if self._apply_pending(agent, now) else self._dispatch_agent(agent, now)
        talk = now - (agent.talk_started or now)
        agent.talk_seconds += talk
        agent.calls_taken += 1
        agent.talk_started = None
        self._move(agent, AgentEvent.hangup, now)
        config = self.queues[queue].config if queue in self.queues else None
        wrap = config.wrap_up_seconds if config else 0.0
        if queue and complete:
            data = {"talk": talk, "transferred": transferred}
            self._emit(QueueEvent("complete", call_id, queue, now, agent_id, data=data))
            self.queues[queue].observe_handle_time(talk + wrap)
        agent.wrap_up_until = self._timer(now + wrap, "wrap_up", call_id, agent_id)
        return self.tick(now) if wrap <= 0 else []
