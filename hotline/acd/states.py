"""The agent state machine as an explicit transition table.

States follow the glossary: logged_out, ready, not_ready (with a reason), ringing, talking, hold,
wrap_up. Wrap-up is a real state with a timer (an agent finishing notes is not available), and
`no_answer_limit` is the auto-not-ready transition taken after N unanswered rings in a row.
Anything not in the table is illegal and raises a 409 Conflict, never a silent no-op (the table is
a `hotline.statetable.StateTable`, the type every state machine here shares).
"""

from __future__ import annotations

from enum import StrEnum

from hotline.errors import Conflict
from hotline.statetable import StateTable

# The pending reason of an agent whose console session ended during a call: signed out after it.
SIGNED_OUT = "signed_out"


class AgentState(StrEnum):
    logged_out = "logged_out"
    ready = "ready"
    not_ready = "not_ready"
    ringing = "ringing"
    talking = "talking"
    hold = "hold"
    wrap_up = "wrap_up"


class AgentEvent(StrEnum):
    login = "login"
    logout = "logout"
    set_ready = "set_ready"
    set_not_ready = "set_not_ready"
    offer = "offer"  # the ACD rings the agent's phone
    dial = "dial"  # the agent places an outbound call
    answer = "answer"
    no_answer = "no_answer"
    no_answer_limit = "no_answer_limit"  # the Nth miss in a row: auto not-ready
    cancel = "cancel"  # the caller left, or another agent took a ring-all call
    hold = "hold"
    unhold = "unhold"
    hangup = "hangup"
    wrap_up_done = "wrap_up_done"


S, E = AgentState, AgentEvent

TRANSITIONS: dict[tuple[AgentState, AgentEvent], AgentState] = {
    (S.logged_out, E.login): S.ready,
    (S.ready, E.logout): S.logged_out,
    (S.not_ready, E.logout): S.logged_out,
    (S.wrap_up, E.logout): S.logged_out,
    (S.not_ready, E.set_ready): S.ready,
    (S.wrap_up, E.set_ready): S.ready,
    (S.ready, E.set_not_ready): S.not_ready,
    (S.not_ready, E.set_not_ready): S.not_ready,  # a new reason
    (S.wrap_up, E.set_not_ready): S.not_ready,
    (S.ready, E.offer): S.ringing,
    (S.not_ready, E.offer): S.ringing,  # only by a queue pick: the agent chose the call
    (S.ready, E.dial): S.ringing,
    (S.not_ready, E.dial): S.ringing,
    (S.wrap_up, E.dial): S.ringing,
    (S.ringing, E.answer): S.talking,
    (S.ringing, E.no_answer): S.ready,
    (S.ringing, E.no_answer_limit): S.not_ready,
    (S.ringing, E.cancel): S.ready,
    (S.talking, E.hold): S.hold,
    (S.hold, E.unhold): S.talking,
    (S.talking, E.hangup): S.wrap_up,
    (S.hold, E.hangup): S.wrap_up,
    (S.wrap_up, E.wrap_up_done): S.ready,
}

# States in which the agent is on (or being offered) a call: never offered another one.
BUSY = frozenset({S.ringing, S.talking, S.hold})
LOGGED_IN = frozenset(set(AgentState) - {S.logged_out})

STATE_ZH = {
    S.logged_out: "签出",
    S.ready: "示闲",
    S.not_ready: "示忙",
    S.ringing: "振铃",
    S.talking: "通话",
    S.hold: "保持",
    S.wrap_up: "话后处理",
}


def _refuse(state: AgentState, event: AgentEvent, _allowed: list[AgentEvent]) -> Conflict:
    return Conflict(
        f"agent cannot {event.value} while {state.value}",
        f"座席当前为「{STATE_ZH[state]}」，不能执行 {event.value}",
        state=state.value,
        event=event.value,
    )


TABLE: StateTable[AgentState, AgentEvent] = StateTable("agent", TRANSITIONS, what_zh="座席", refuse=_refuse)


def next_state(state: AgentState, event: AgentEvent) -> AgentState:
    """The state after `event`, or a Conflict naming the illegal transition."""
    return TABLE.next(state, event)
