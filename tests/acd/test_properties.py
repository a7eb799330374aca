"""Property tests of the ACD: random event sequences keep the invariants.

No caller is lost (each is waiting, offered, connected or finished with a logged outcome), no agent
is on two calls, FIFO holds within a priority level, and no queue has both waiting callers and
ready agents after a step.
"""

from __future__ import annotations

import contextlib

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from hotline.acd.engine import Acd, Action, OverflowAction, QueueEvent
from hotline.acd.queue import Overflow, OverflowKind, QueueConfig
from hotline.acd.ready import Agent, Strategy
from hotline.acd.states import BUSY, AgentState
from hotline.errors import Conflict

QUEUES = ("a", "b")
FINAL = {"abandon", "callback_failed"}
LEAVE = (OverflowKind.voicemail, OverflowKind.hangup)


class AcdMachine(RuleBasedStateMachine):
    @initialize(
        strategy=st.sampled_from(list(Strategy)),
        wrap=st.sampled_from([0.0, 5.0]),
        overflow=st.sampled_from(list(OverflowKind)),
    )
    def setup(self, strategy: Strategy, wrap: float, overflow: OverflowKind) -> None:
        self.acd = Acd()
        self.now = 0.0
        self.finished: set[str] = set()
        self.overflowed: set[str] = set()
        self.all_calls: list[str] = []
        self.acd.listeners.append(self._log)
        for name in QUEUES:
            target = "b" if name == "a" else None
            self.acd.add_queue(
                QueueConfig(
                    name,
                    strategy=strategy,
                    timeout_seconds=40,
                    overflow=Overflow(overflow, target),
                    wrap_up_seconds=wrap,
                    max_no_answer=2,
                )
            )
        skills = [{"a": 1}, {"b": 2}, {"a": 3, "b": 1}, {"a": 2, "b": 2}]
        for i, sk in enumerate(skills, 1):
            self.acd.add_agent(Agent(i, f"a{i}", sk, position=i))

    def _log(self, item: object) -> None:
        if isinstance(item, QueueEvent) and item.kind in FINAL:
            self.finished.add(item.call_id)

    def _handle(self, actions: list[Action]) -> None:
        for action in actions:
            # OverflowAction to voicemail or hang-up: the caller leaves the ACD.
            if isinstance(action, OverflowAction) and action.kind in LEAVE:
                self.overflowed.add(action.call_id)

    def _advance(self, dt: float) -> None:
        self.now += dt
        self._handle(self.acd.tick(self.now))

    @rule(q=st.sampled_from(QUEUES), prio=st.sampled_from([0, 0, 1, 3, 100]), dt=st.floats(0, 10))
    def enqueue(self, q: str, prio: int, dt: float) -> None:
        self._advance(dt)
        cid = f"c{len(self.all_calls)}"
        self.all_calls.append(cid)
        self._handle(self.acd.enqueue(cid, q, "x", prio, self.now))

    @rule(aid=st.integers(1, 4), op=st.sampled_from(["login", "ready", "not_ready", "logout"]))
    def agent_op(self, aid: int, op: str) -> None:
        with contextlib.suppress(Conflict):
            if op == "login":
                self._handle(self.acd.login(aid, self.now))
            elif op == "ready":
                self._handle(self.acd.set_ready(aid, self.now))
            elif op == "not_ready":
                self.acd.set_not_ready(aid, self.now, "break")
            else:
                self.acd.logout(aid, self.now)

    def _ringing(self) -> list[tuple[int, str]]:
        return [
            (a.id, a.call_id)
            for a in self.acd.agents.values()
            if a.state is AgentState.ringing and a.call_id in self.acd.calls
        ]

    @precondition(lambda self: bool(self._ringing()))
    @rule(data=st.data(), answer=st.booleans())
    def ring_outcome(self, data: st.DataObject, answer: bool) -> None:
        aid, cid = data.draw(st.sampled_from(self._ringing()))
        call = self.acd.calls[cid]
        if call.callback and not answer:
            self.acd.callback_failed(cid, self.now)
        elif answer:
            self._handle(self.acd.answer(aid, cid, self.now))
        else:
            self._handle(self.acd.no_answer(aid, cid, self.now))

    @precondition(lambda self: bool(self.acd.connected))
    @rule(data=st.data(), dt=st.floats(0, 30))
    def hangup(self, data: st.DataObject, dt: float) -> None:
        cid = data.draw(st.sampled_from(sorted(self.acd.connected)))
        self.now += dt
        self._handle(self.acd.hangup(cid, self.now))
        self.finished.add(cid)
        self._advance(0)

    @precondition(lambda self: bool(self.acd.calls))
    @rule(data=st.data(), callback=st.booleans())
    def caller_action(self, data: st.DataObject, callback: bool) -> None:
        cid = data.draw(st.sampled_from(sorted(self.acd.calls)))
        if callback:
            with contextlib.suppress(Conflict):
                self.acd.request_callback(cid, "139", self.now)
        elif not self.acd.calls[cid].callback:
            self.acd.abandon(cid, self.now)

    @rule(dt=st.floats(0, 60))
    def wait(self, dt: float) -> None:
        self._advance(dt)

    @invariant()
    def no_lost_caller(self) -> None:
        for cid in self.all_calls:
            places = [
                cid in self.acd.calls,
                cid in self.acd.connected,
                cid in self.finished or cid in self.overflowed,
            ]
            assert sum(places) == 1 or (places[2] and not places[0]), (cid, places)

    @invariant()
    def no_agent_on_two_calls(self) -> None:
        held: dict[str, list[int]] = {}
        for a in self.acd.agents.values():
            if a.state in BUSY:
                assert a.call_id is not None
                held.setdefault(a.call_id, []).append(a.id)
        for cid, agents in held.items():
            if cid in self.acd.connected:
                assert agents == [self.acd.connected[cid]]
        for cid, call in self.acd.calls.items():
            for aid in call.offered_to:
                assert self.acd.agents[aid].call_id == cid

    @invariant()
    def fifo_within_priority_and_work_conserving(self) -> None:
        for q in self.acd.queues.values():
            calls = [self.acd.calls[c] for c in q.call_ids()]
            for level in {c.priority for c in calls}:
                same = [c.enqueued_at for c in calls if c.priority == level]
                assert same == sorted(same)
            assert not (len(q) and len(q.ready)), f"queue {q.name} has waiting callers and ready agents"


AcdMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
TestAcd = AcdMachine.TestCase
