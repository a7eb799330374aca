"""IVR flows: validation, the interpreter on the demo flow, and the simulator (pure, no DB)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from hotline.errors import Invalid
from hotline.ivr.demo import DEMO_FLOW
from hotline.ivr.flow import check, validate
from hotline.ivr.interpreter import CallerFacts, Environment
from hotline.ivr.simulate import simulate


def env(care: int | None = None, open_: bool = True, contacts: list[str] | None = None) -> Environment:
    caller = CallerFacts("13800000000", care_level=care, emergency_contacts=contacts or [])
    return Environment(caller, datetime(2026, 11, 25, 2, 0, tzinfo=UTC), is_open=lambda h, at: open_)


@pytest.mark.parametrize(
    ("digits", "care", "open_", "kind", "target", "priority"),
    [
        (["1"], None, True, "enqueue", "elderly", 0),
        (["2"], None, True, "enqueue", "assistance", 0),
        (["3"], None, True, "enqueue", "disability", 0),
        (["4"], None, True, "enqueue", "child_welfare", 0),
        (["0"], None, True, "enqueue", "general", 0),
        (["9", "1"], None, True, "enqueue", "elderly", 0),  # 9 repeats the menu
        ([], None, True, "enqueue", "general", 0),  # silence goes to a person
        (["7", "7"], None, True, "enqueue", "general", 0),  # wrong keys twice: a person
        (["7", "2"], None, True, "enqueue", "assistance", 0),
        ([], 2, True, "enqueue", "elderly", 2),  # care profile: straight to priority
        (["0"], 3, True, "enqueue", "elderly", 3),
        (["1"], 1, True, "emergency", "elderly", 100),
        (["1"], None, False, "voicemail", None, 0),
        (["0"], None, False, "enqueue", "general", 0),
        ([], None, False, "enqueue", "general", 0),
    ],
)
def test_demo_flow_paths(
    digits: list[str], care: int | None, open_: bool, kind: str, target: str | None, priority: int
) -> None:
    result = simulate(validate(DEMO_FLOW), env(care, open_, ["13900000001"]), digits)
    assert (result.outcome.kind, result.outcome.target, result.outcome.priority) == (kind, target, priority)
    assert result.transcript[-1].startswith("=> ")
    if kind == "emergency":
        assert result.outcome.numbers == ["120", "13900000001"]


def test_demo_flow_is_clean_and_elderly_friendly() -> None:
    errors, warnings = check(DEMO_FLOW)
    assert errors == [] and warnings == []


def _flow(**nodes: dict[str, Any]) -> dict[str, Any]:
    return {"start": "a", "nodes": nodes}


@pytest.mark.parametrize(
    ("definition", "needle"),
    [
        (_flow(a={"type": "play", "prompt": "p", "next": "zz"}), "missing node 'zz'"),
        ({"start": "x", "nodes": {"a": {"type": "hangup"}}}, "start node"),
        (_flow(a={"type": "nope"}), "nodes.a"),
        (_flow(a={"type": "hangup", "extra": 1}), "extra"),
        (
            _flow(a={"type": "menu", "prompt": "p", "options": {"12": "a"}, "no_input": "a"}),
            "not one DTMF digit",
        ),
        (
            _flow(a={"type": "menu", "prompt": "p", "options": {"9": "a"}, "no_input": "a"}),
            "repeat key",
        ),
        (_flow(a={"type": "branch", "on": "queue_load", "cases": {}, "default": "a"}), "needs a queue"),
        (
            _flow(
                a={
                    "type": "collect",
                    "prompt": "p",
                    "variable": "v",
                    "min_digits": 5,
                    "max_digits": 2,
                    "next": "a",
                    "no_input": "a",
                }
            ),
            "min_digits",
        ),
    ],
)
def test_validation_errors(definition: dict[str, Any], needle: str) -> None:
    errors, _ = check(definition)
    assert any(needle in e for e in errors), errors
    with pytest.raises(Invalid):
        validate(definition)


def test_warnings_for_unfriendly_menus() -> None:
    options = {str(i): "end" for i in range(1, 8)}
    definition = _flow(
        a={"type": "menu", "prompt": "p", "options": options, "no_input": "end"},
        end={"type": "hangup"},
        orphan={"type": "hangup"},
    )
    errors, warnings = check(definition)
    assert errors == []
    assert any("0 for a person" in w for w in warnings)
    assert any("<= 5" in w for w in warnings)
    assert any("orphan" in w for w in warnings)


def test_collect_set_branch_variable_and_loop_guard() -> None:
    definition = _flow(
        a={
            "type": "collect",
            "prompt": "id",
            "variable": "idn",
            "min_digits": 3,
            "max_digits": 18,
            "next": "b",
            "no_input": "end",
        },
        b={"type": "set", "variable": "topic", "value": "pension", "next": "c"},
        c={
            "type": "branch",
            "on": "variable",
            "variable": "topic",
            "cases": {"pension": "d"},
            "default": "end",
        },
        d={"type": "transfer", "target_kind": "external", "target": "12345"},
        end={"type": "hangup"},
    )
    result = simulate(validate(definition), env(), ["110101#"])
    assert result.outcome.kind == "transfer" and result.outcome.target == "12345"
    assert result.outcome.variables == {"idn": "110101", "topic": "pension"}
    assert [p["node"] for p in result.outcome.path] == ["a", "b", "c", "d"]
    short = simulate(validate(definition), env(), ["1#"])
    assert short.outcome.kind == "hangup"
    loop = _flow(a={"type": "set", "variable": "x", "value": "1", "next": "a"})
    assert simulate(validate(loop), env(), []).outcome.reason == "loop"


def test_branches_on_load_work_orders_holiday() -> None:
    definition = _flow(
        a={
            "type": "branch",
            "on": "queue_load",
            "queue": "q",
            "threshold": 3,
            "cases": {"busy": "vm"},
            "default": "b",
        },
        b={"type": "branch", "on": "open_work_orders", "cases": {"yes": "wo"}, "default": "c"},
        c={"type": "branch", "on": "holiday", "cases": {"holiday": "vm"}, "default": "q"},
        vm={"type": "voicemail", "prompt": "vm"},
        wo={"type": "enqueue", "queue": "followup"},
        q={"type": "enqueue", "queue": "q"},
    )
    flow = validate(definition)
    e = env()
    e.queue_load = lambda q: 5
    assert simulate(flow, e, []).outcome.kind == "voicemail"
    e.queue_load = lambda q: 0
    e.open_work_orders = lambda c: 2
    assert simulate(flow, e, []).outcome.target == "followup"
    e.open_work_orders = lambda c: 0
    e.now = datetime(2026, 10, 1, 3, tzinfo=UTC)  # National Day
    assert simulate(flow, e, []).outcome.kind == "voicemail"
    e.now = datetime(2026, 11, 25, 3, tzinfo=UTC)
    assert simulate(flow, e, []).outcome.target == "q"


def test_care_level_cases() -> None:
    definition = copy.deepcopy(DEMO_FLOW)
    definition["nodes"]["care_check"]["cases"] = {"level>=3": "priority_queue", "care": "hours"}
    flow = validate(definition)
    assert simulate(flow, env(care=3), []).outcome.priority == 3
    assert simulate(flow, env(care=1), ["2"]).outcome.target == "assistance"
