"""The live call's state machine (`hotline.calls.live.TABLE`), exhaustively: the table is exactly
this one, every state but `ended` can end, `ended` is final, every state is reachable from the
IVR or from where a call starts otherwise (an agent's outbound call, a restored callback), and
`LiveCall.move` / `check` go through it."""

from __future__ import annotations

import itertools

import pytest

from hotline.calls.live import NOT_DIALLED, TABLE, TRANSITIONS, CallAction, CallState, LiveCall
from hotline.errors import Conflict
from hotline.ivr.interpreter import CallerFacts

EXPECTED = {
    ("ivr", "enqueue"): "queued",
    ("ivr", "connect"): "connected",
    ("ivr", "voicemail"): "voicemail",
    ("ivr", "emergency"): "emergency",
    ("ivr", "take_over"): "diverted",  # an emergency mode handles the call (callback collection)
    ("emergency", "enqueue"): "queued",
    ("queued", "offer"): "ringing",
    ("queued", "voicemail"): "voicemail",
    ("queued", "overflow"): "overflow",
    ("ringing", "offer"): "ringing",
    ("ringing", "unanswered"): "queued",
    ("ringing", "connect"): "connected",
    ("ringing", "voicemail"): "voicemail",
    ("ringing", "overflow"): "overflow",
    ("overflow", "connect"): "connected",  # an emergency mode's overflow: the backup center answered
    ("connected", "enqueue"): "queued",
    ("connected", "to_ivr"): "ivr",
    ("connected", "connect"): "connected",
    ("dialing", "connect"): "connected",
    ("dialing", "enqueue"): "queued",
    ("dialing", "to_ivr"): "ivr",
    **{(s, "end"): "ended" for s in CallState if s != "ended"},
}
STARTS = (CallState.ivr, CallState.dialing, CallState.queued)


def test_the_table_is_exactly_the_expected_one() -> None:
    assert {(s.value, a.value): t.value for (s, a), t in TRANSITIONS.items()} == EXPECTED


@pytest.mark.parametrize(("state", "action"), list(itertools.product(CallState, CallAction)))
def test_every_state_and_action(state: CallState, action: CallAction) -> None:
    live = LiveCall("c1", NOT_DIALLED, None, "138", CallerFacts("138"), state=state)
    expected = EXPECTED.get((state.value, action.value))
    if expected is None:
        with pytest.raises(Conflict) as refused:
            live.check(action)
        assert refused.value.status == 409 and refused.value.extra == {"state": state, "action": action}
        with pytest.raises(Conflict):
            live.move(action)
        assert live.state is state  # nothing changed
    else:
        live.check(action)
        assert live.state is state
        assert live.move(action) == expected == live.state


def test_ended_is_final_and_everything_else_can_end() -> None:
    assert TABLE.allowed(CallState.ended) == []
    for state in CallState:
        if state is not CallState.ended:
            assert CallAction.end in TABLE.allowed(state)


def test_every_state_is_reachable_from_where_calls_start() -> None:
    seen, todo = set(STARTS), list(STARTS)
    while todo:
        state = todo.pop()
        for action in TABLE.allowed(state):
            target = TABLE.next(state, action)
            if target not in seen:
                seen.add(target)
                todo.append(target)
    assert seen == set(CallState)
