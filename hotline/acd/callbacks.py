"""Callers served other than by an agent picking up: callbacks, and calls answered elsewhere.

A mixin of `Acd`. A callback keeps the caller's place after they hang up; when its turn comes an
agent is offered it, and only when the callee picks up is it answered ("connect": the KPIs count
it then, never for an agent who merely took the offer). A callback that cannot be placed is retried
later at the same place, then given up ("callback_failed"); one with no route at all is given up at
once. Callbacks survive a restart: `restore_callback` puts one back with its place. A call answered
elsewhere (the emergency fan-out's 120 or family phone) is answered for the queue log even though
it waits on for an agent to join, and its caller hanging up is then no abandon.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hotline.acd.events import CALLBACK_MAX_ATTEMPTS, CALLBACK_RETRY_SECONDS, Action, QueueEvent
from hotline.acd.queue import Queue, QueuedCall
from hotline.acd.ready import Agent
from hotline.errors import Conflict, NotFound


class Callbacks:
    agents: dict[int, Agent]
    calls: dict[str, QueuedCall]
    queues: dict[str, Queue]
    connected: dict[str, int]
    _callbacks: dict[str, QueuedCall]
    _seq: Iterator[int]

    def _emit(self, item: Any) -> None:
        raise NotImplementedError

    def _call(self, call_id: str) -> QueuedCall:
        raise NotImplementedError

    def _key(self, q: Queue, enqueued_at: float, priority: int, seq: int) -> tuple[float, int]:
        raise NotImplementedError

    def _timer(self, due: float, kind: str, call_id: str, agent_id: int = 0) -> float:
        raise NotImplementedError

    def _release_offer(self, call: QueuedCall, now: float) -> None:
        raise NotImplementedError

    def _end_agent_call(
        self, call_id: str, now: float, transferred: bool = False, complete: bool = True
    ) -> list[Action]:
        raise NotImplementedError

    def _dispatch_queue(self, q: Queue, now: float) -> list[Action]:
        raise NotImplementedError

    def request_callback(self, call_id: str, number: str, now: float) -> None:
        """The caller hangs up but keeps their place; they are called back when their turn comes."""
        call = self._call(call_id)
        if call.offered:
            raise Conflict("the call is already ringing an agent", "该来电正在振铃座席")
        call.callback = True
        call.callback_number = number
        self._emit(QueueEvent("callback", call_id, call.queue, now, data={"number": number}))

    def callback_failed(self, call_id: str, now: float, reason: str | None = None) -> list[Action]:
        """The callback was not answered: retry later at the same place, then give up. With a
        `reason` (no route to the number) it is given up at once: retrying cannot help.

        Called while the agent rings, or after the agent answered and the callee did not."""
        call = self.calls.get(call_id) or self._callbacks.pop(call_id, None)
        if call is None:
            raise NotFound(f"call {call_id} is not a pending callback", f"来电 {call_id} 不是待回拨")
        actions: list[Action] = []
        if call_id in self.connected:
            actions += self._end_agent_call(call_id, now, complete=False)
        else:
            self._release_offer(call, now)
            self.queues[call.queue].remove(call)
        self.calls[call_id] = call
        call.offered_to = set()
        call.callback_attempts += 1
        if reason is not None or call.callback_attempts >= CALLBACK_MAX_ATTEMPTS:
            del self.calls[call_id]
            data = {"attempts": call.callback_attempts, "reason": reason or "no_answer"}
            wait = now - call.enqueued_at
            self._emit(QueueEvent("callback_failed", call_id, call.queue, now, wait=wait, data=data))
            return actions
        data = {"attempts": call.callback_attempts}
        self._emit(QueueEvent("callback_retry", call_id, call.queue, now, data=data))
        self._timer(now + CALLBACK_RETRY_SECONDS, "callback_retry", call_id)
        return actions

    def callback_connected(self, call_id: str, now: float) -> None:
        """The callee of a callback an agent took picked up: answered now (the queue log's
        "connect", which the KPIs count), an ordinary connected call from here on."""
        call = self._callbacks.pop(call_id, None)
        agent_id = self.connected.get(call_id)
        if call is None or agent_id is None:
            return
        data = {"callback": True, "priority": call.priority}
        self._emit(QueueEvent("connect", call_id, call.queue, now, agent_id, now - call.enqueued_at, data))

    def restore_callback(
        self, call_id: str, queue: str, number: str, priority: int, waited: float, attempts: int, now: float
    ) -> list[Action]:
        """Put back a callback kept across a restart: it has waited `waited` seconds, so it keeps
        its place (priority key) among the callers who arrive from now on."""
        if call_id in self.calls or call_id in self.connected:
            raise Conflict(f"call {call_id} is already queued", f"来电 {call_id} 已在排队")
        q = self.queues[queue]
        seq = next(self._seq)
        enqueued = now - max(0.0, waited)
        key = self._key(q, enqueued, priority, seq)
        call = QueuedCall(call_id, queue, number, priority, enqueued, now, key, seq)
        call.callback, call.callback_number, call.callback_attempts = True, number, attempts
        self.calls[call_id] = call
        q.add(call)
        return self._dispatch_queue(q, now)

    def answered_elsewhere(self, call_id: str, by: str, now: float) -> None:
        """Someone outside the ACD answered the caller (the emergency fan-out): the call counts as
        answered, and stays queued so that an agent still joins it."""
        call = self.calls.get(call_id)
        if call is None or call.answered_by is not None:
            return  # an agent answered first (already counted), or the caller is gone
        call.answered_by = by
        data = {"by": by, "priority": call.priority}
        self._emit(QueueEvent("connect", call_id, call.queue, now, None, now - call.enqueued_at, data))
