"""The lifecycle, exhaustively: every (state, action, role) against an independently written spec,
through the real service on SQLite; plus hypothesis walks proving no order escapes the loop."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.errors import Conflict, Forbidden
from hotline.people.permissions import ROLE_PERMISSIONS, Role
from hotline.store.db import Database
from hotline.workorders.lifecycle import act
from hotline.workorders.states import OPEN, TERMINAL, TRANSITIONS, Action, State, can_reach_terminal, check
from tests.workorders.helpers import forced, new_order, who

# The spec, written out by hand: "state action -> next needed-permission".
SPEC_TEXT = """
draft accept accepted write
accepted resolve_on_call closed write
accepted dispatch dispatched write
returned dispatch dispatched write
dispatched receive received handle
dispatched return returned handle
received return returned handle
received request_extension received handle
received approve_extension received supervise
received refuse_extension received supervise
received reply replied handle
replied start_return_visit return_visit write
return_visit close closed write
return_visit reopen dispatched write
dispatched supervise dispatched supervise
received supervise received supervise
draft merge merged write
accepted merge merged write
returned merge merged write
dispatched merge merged supervise
received merge merged supervise
draft cancel cancelled write
accepted cancel cancelled write
returned cancel cancelled write
dispatched cancel cancelled supervise
received cancel cancelled supervise
"""
SPEC = {
    (line.split()[0], line.split()[1]): (line.split()[2], "workorders." + line.split()[3])
    for line in SPEC_TEXT.strip().splitlines()
}
PARAMS: dict[str, Any] = {"department_id": 1, "note": "说明", "days": 2, "satisfaction": "satisfied"}


def test_table_matches_spec() -> None:
    assert {(s.value, a.value): (t.value, p) for (s, a), (t, p) in TRANSITIONS.items()} == SPEC


def test_every_state_action_role(sqlite_db: Database) -> None:
    outcomes: dict[str, int] = {"ok": 0, "conflict": 0, "forbidden": 0}
    with sqlite_db.session() as s:
        target = new_order(s, "合并目标工单")
        for state in State:
            for action in Action:
                for role in Role:
                    perms = ROLE_PERMISSIONS[role]
                    spec = SPEC.get((state.value, action.value))
                    nested = s.begin_nested()
                    decision = action in (Action.approve_extension, Action.refuse_extension)
                    order = forced(s, state.value, pending_extension=decision)
                    try:
                        got = act(
                            s, who(role.value), order.id, action, order.version, into_id=target.id, **PARAMS
                        )
                        result: tuple[str, str | None] = ("ok", got.state)
                    except Conflict:
                        result = ("conflict", None)
                    except Forbidden:
                        result = ("forbidden", None)
                    nested.rollback()
                    if spec is None:
                        expected: tuple[str, str | None] = ("conflict", None)
                    elif spec[1] not in perms:
                        expected = ("forbidden", None)
                    else:
                        expected = ("ok", spec[0])
                    assert result == expected, (state, action, role)
                    outcomes[result[0]] += 1
    assert outcomes["ok"] > 50 and outcomes["forbidden"] > 50


def test_conflict_message_is_bilingual() -> None:
    with pytest.raises(Conflict) as exc:
        check(State.closed, Action.dispatch, frozenset({"workorders.write"}))
    assert "cannot dispatch" in exc.value.detail
    assert "已办结" in exc.value.detail_zh and "派单" in exc.value.detail_zh


def test_every_open_state_can_end_and_terminal_states_are_final() -> None:
    for state in State:
        assert can_reach_terminal(state)
        if state in TERMINAL:
            assert not [a for (s, a) in TRANSITIONS if s is state]


ALL = frozenset().union(*ROLE_PERMISSIONS.values())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(Action)), st.sampled_from(list(Role))), max_size=40))
def test_random_walks_never_leave_the_loop(steps: list[tuple[Action, Role]]) -> None:
    state = State.draft
    for action, role in steps:
        try:
            nxt = check(state, action, ROLE_PERMISSIONS[role])
        except (Conflict, Forbidden):
            continue
        assert state not in TERMINAL, "a terminal order changed"
        state = nxt
        # Wherever it is, an order can still reach closed, cancelled or merged.
        assert state in TERMINAL or (state in OPEN and can_reach_terminal(state))
    # ...and from any open state the supervisor + agent + department can drive it to an end.
    path_state = state
    for _ in range(10):
        if path_state in TERMINAL:
            break
        options = [t for (s, _a), (t, _p) in TRANSITIONS.items() if s is path_state and check(s, _a, ALL)]
        ends = [t for t in options if t in TERMINAL]
        path_state = ends[0] if ends else options[0]
    assert path_state in TERMINAL


_WALK_PARAMS: dict[str, Any] = {"department_id": 1, "note": "说明", "days": 1, "satisfaction": "satisfied"}


@settings(max_examples=12, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(list(Action)), st.sampled_from(list(Role))), min_size=5, max_size=25)
)
def test_random_walks_through_the_service(
    sqlite_template: Any, tmp_root: Any, steps: list[tuple[Action, Role]]
) -> None:
    """The same walk through the real service and database: the row's state is always one the
    table allows, every accepted step is in the timeline, and a finished order never moves."""
    from sqlalchemy import select

    from hotline.workorders.models import WorkOrderEvent
    from tests.conftest import _sqlite_db

    database = _sqlite_db(sqlite_template, tmp_root)
    try:
        with database.session() as s:
            order = new_order(s, "随机路径测试工单")
            done = 2  # create + accept
            for action, role in steps:
                before = State(order.state)
                nested = s.begin_nested()
                try:
                    order = act(s, who(role.value), order.id, action, order.version, **_WALK_PARAMS)
                    nested.commit()
                    done += 1
                    assert before not in TERMINAL
                    assert TRANSITIONS[(before, action)][0].value == order.state
                except (Conflict, Forbidden):
                    nested.rollback()
                    s.refresh(order)
                except Exception as exc:  # Invalid (e.g. no pending extension) is a legal refusal
                    from hotline.errors import HotlineError

                    assert isinstance(exc, HotlineError), exc
                    nested.rollback()
                    s.refresh(order)
                assert State(order.state) in TERMINAL or can_reach_terminal(State(order.state))
            events = s.scalars(
                select(WorkOrderEvent.action).where(WorkOrderEvent.workorder_id == order.id)
            ).all()
            assert len(events) == done
    finally:
        database.dispose()
