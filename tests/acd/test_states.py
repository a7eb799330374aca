"""The agent state machine, exhaustively: every (state, event) pair is either in the expected
table or a 409 Conflict."""

from __future__ import annotations

import itertools

import pytest

from hotline.acd.states import TRANSITIONS, AgentEvent, AgentState, next_state
from hotline.errors import Conflict

S, E = AgentState, AgentEvent

# Written out independently of the implementation's table, as the specification.
EXPECTED = {
    ("logged_out", "login"): "ready",
    ("ready", "logout"): "logged_out",
    ("not_ready", "logout"): "logged_out",
    ("wrap_up", "logout"): "logged_out",
    ("not_ready", "set_ready"): "ready",
    ("wrap_up", "set_ready"): "ready",
    ("ready", "set_not_ready"): "not_ready",
    ("not_ready", "set_not_ready"): "not_ready",
    ("wrap_up", "set_not_ready"): "not_ready",
    ("ready", "offer"): "ringing",
    ("not_ready", "offer"): "ringing",
    ("ready", "dial"): "ringing",
    ("not_ready", "dial"): "ringing",
    ("wrap_up", "dial"): "ringing",
    ("ringing", "answer"): "talking",
    ("ringing", "no_answer"): "ready",
    ("ringing", "no_answer_limit"): "not_ready",
    ("ringing", "cancel"): "ready",
    ("talking", "hold"): "hold",
    ("hold", "unhold"): "talking",
    ("talking", "hangup"): "wrap_up",
    ("hold", "hangup"): "wrap_up",
    ("wrap_up", "wrap_up_done"): "ready",
}


@pytest.mark.parametrize(("state", "event"), list(itertools.product(AgentState, AgentEvent)))
def test_every_pair(state: AgentState, event: AgentEvent) -> None:
    expected = EXPECTED.get((state.value, event.value))
    if expected is None:
        with pytest.raises(Conflict) as info:
            next_state(state, event)
        assert state.value in info.value.detail and info.value.status == 409
        assert "座席" in info.value.detail_zh
    else:
        assert next_state(state, event) == AgentState(expected)


def test_table_has_no_extra_entries() -> None:
    assert {(s.value, e.value): t.value for (s, e), t in TRANSITIONS.items()} == EXPECTED


def test_wrap_up_is_not_ready_for_calls() -> None:
    # Wrap-up never goes back to ready except by its timer or the agent's own click.
    into_ready = {k for k, v in EXPECTED.items() if v == "ready" and k[0] == "wrap_up"}
    assert into_ready == {("wrap_up", "set_ready"), ("wrap_up", "wrap_up_done")}
