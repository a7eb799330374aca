"""The shared state-table type and the four machines built on it (agent, live call, work order,
article): every (state, action) pair either moves to the listed state or is a 409 Conflict naming
it, and `allowed` lists exactly the legal actions."""

from __future__ import annotations

import itertools
from enum import StrEnum
from typing import Any

import pytest

from hotline.acd import states as agent
from hotline.calls import live
from hotline.errors import Conflict
from hotline.knowledge import workflow as article
from hotline.statetable import StateTable
from hotline.workorders import states as workorder

MACHINES: dict[str, tuple[StateTable[Any, Any], type[StrEnum], type[StrEnum]]] = {
    "agent": (agent.TABLE, agent.AgentState, agent.AgentEvent),
    "call": (live.TABLE, live.CallState, live.CallAction),
    "work order": (workorder.TABLE, workorder.State, workorder.Action),
    "article": (article.TABLE, article.State, article.Action),
}
PAIRS = [
    (name, state, action)
    for name, (_table, states, actions) in MACHINES.items()
    for state, action in itertools.product(states, actions)
]


class Light(StrEnum):
    red = "red"
    green = "green"


class Go(StrEnum):
    go = "go"
    stop = "stop"


def test_next_allowed_and_a_clear_409() -> None:
    table = StateTable("light", {(Light.red, Go.go): Light.green, (Light.green, Go.stop): Light.red})
    assert table.next(Light.red, Go.go) is Light.green
    assert table.allowed(Light.red) == [Go.go] and table.allowed(Light.green) == [Go.stop]
    assert table.can(Light.green, Go.stop) and not table.can(Light.green, Go.go)
    with pytest.raises(Conflict) as refused:
        table.next(Light.green, Go.go)
    assert refused.value.status == 409
    assert refused.value.detail == "light cannot go while green; allowed now: stop"
    assert refused.value.extra == {"state": "green", "action": "go"}


def test_a_machine_may_word_its_own_refusal() -> None:
    def refuse(state: Light, action: Go, allowed: list[Go]) -> Conflict:
        return Conflict(f"no {action} at {state}", f"{state}时不能{action}", allowed=allowed)

    table = StateTable("light", {(Light.red, Go.go): Light.green}, refuse=refuse)
    with pytest.raises(Conflict, match="no stop at red") as refused:
        table.next(Light.red, Go.stop)
    assert refused.value.extra == {"allowed": [Go.go]}


@pytest.mark.parametrize(("name", "state", "action"), PAIRS, ids=[f"{n}:{s}:{a}" for n, s, a in PAIRS])
def test_every_pair_of_every_machine_moves_or_is_refused(name: str, state: StrEnum, action: StrEnum) -> None:
    table, _states, _actions = MACHINES[name]
    if (state, action) in table.transitions:
        assert table.next(state, action) == table.transitions[(state, action)]
        assert action in table.allowed(state)
    else:
        with pytest.raises(Conflict) as refused:
            table.next(state, action)
        assert refused.value.status == 409
        assert action not in table.allowed(state)
