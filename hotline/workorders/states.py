"""The work-order lifecycle as an explicit transition table.

`TRANSITIONS[(state, action)] = (next_state, permission)` (moves in `TABLE`, the shared
`hotline.statetable.StateTable`; permissions in `PERMISSION`): an action is legal only from the listed
states, and only for a principal holding the listed permission (roles map to permissions in
`hotline.people.permissions`). Anything else is a 409 (wrong state) or 403 (wrong role), checked
in that order so a user learns first whether the action makes sense at all.

The loop (国办发〔2020〕53号): draft → accepted → closed (resolve_on_call, 直接办结)
| dispatched → received → replied → return_visit → closed; returned (退单) goes back to the
hotline for re-dispatch; an unsatisfied return visit re-opens the order to its department;
merge and cancel end an order without closing it. Self-loops (request/approve/refuse extension,
supervise) keep the state and record the step in the timeline.
"""

from __future__ import annotations

from enum import StrEnum

from hotline.errors import Conflict, Forbidden
from hotline.statetable import StateTable


class State(StrEnum):
    draft = "draft"
    accepted = "accepted"
    dispatched = "dispatched"
    received = "received"
    replied = "replied"
    return_visit = "return_visit"
    returned = "returned"
    closed = "closed"
    cancelled = "cancelled"
    merged = "merged"


class Action(StrEnum):
    accept = "accept"
    resolve_on_call = "resolve_on_call"
    dispatch = "dispatch"
    receive = "receive"
    return_ = "return"
    request_extension = "request_extension"
    approve_extension = "approve_extension"
    refuse_extension = "refuse_extension"
    reply = "reply"
    start_return_visit = "start_return_visit"
    close = "close"
    reopen = "reopen"
    supervise = "supervise"
    merge = "merge"
    cancel = "cancel"


STATE_ZH = {
    State.draft: "草稿",
    State.accepted: "已受理",
    State.dispatched: "已派单",
    State.received: "已签收",
    State.replied: "已答复",
    State.return_visit: "回访中",
    State.returned: "已退单",
    State.closed: "已办结",
    State.cancelled: "已撤销",
    State.merged: "已合并",
}
ACTION_ZH = {
    Action.accept: "受理",
    Action.resolve_on_call: "直接办结",
    Action.dispatch: "派单",
    Action.receive: "签收",
    Action.return_: "退单",
    Action.request_extension: "申请延期",
    Action.approve_extension: "批准延期",
    Action.refuse_extension: "驳回延期",
    Action.reply: "答复",
    Action.start_return_visit: "开始回访",
    Action.close: "办结",
    Action.reopen: "重办",
    Action.supervise: "督办",
    Action.merge: "合并",
    Action.cancel: "撤销",
}

TERMINAL = frozenset({State.closed, State.cancelled, State.merged})
# States where a department holds the order (and its clocks run against the department).
AT_DEPARTMENT = frozenset({State.dispatched, State.received})
OPEN = frozenset(State) - TERMINAL

W, H, S = "workorders.write", "workorders.handle", "workorders.supervise"
S_, D, A, R, RV, RT = (
    State.accepted,
    State.dispatched,
    State.received,
    State.replied,
    State.return_visit,
    State.returned,
)

TRANSITIONS: dict[tuple[State, Action], tuple[State, str]] = {
    (State.draft, Action.accept): (S_, W),
    (S_, Action.resolve_on_call): (State.closed, W),
    (S_, Action.dispatch): (D, W),
    (RT, Action.dispatch): (D, W),
    (D, Action.receive): (A, H),
    (D, Action.return_): (RT, H),
    (A, Action.return_): (RT, H),
    (A, Action.request_extension): (A, H),
    (A, Action.approve_extension): (A, S),
    (A, Action.refuse_extension): (A, S),
    (A, Action.reply): (R, H),
    (R, Action.start_return_visit): (RV, W),
    (RV, Action.close): (State.closed, W),
    (RV, Action.reopen): (D, W),
    (D, Action.supervise): (D, S),
    (A, Action.supervise): (A, S),
    (State.draft, Action.merge): (State.merged, W),
    (S_, Action.merge): (State.merged, W),
    (RT, Action.merge): (State.merged, W),
    (D, Action.merge): (State.merged, S),
    (A, Action.merge): (State.merged, S),
    (State.draft, Action.cancel): (State.cancelled, W),
    (S_, Action.cancel): (State.cancelled, W),
    (RT, Action.cancel): (State.cancelled, W),
    (D, Action.cancel): (State.cancelled, S),
    (A, Action.cancel): (State.cancelled, S),
}


def _refuse(state: State, action: Action, allowed: list[Action]) -> Conflict:
    legal = ", ".join(a.value for a in allowed) or "none"
    return Conflict(
        f"cannot {action.value} a work order that is {state.value}; allowed now: {legal}",
        f"工单当前状态为「{STATE_ZH[state]}」，不能执行「{ACTION_ZH[action]}」",
        state=state.value,
        action=action.value,
    )


TABLE: StateTable[State, Action] = StateTable(
    "work order", {move: target for move, (target, _p) in TRANSITIONS.items()}, refuse=_refuse
)
PERMISSION: dict[tuple[State, Action], str] = {move: p for move, (_t, p) in TRANSITIONS.items()}


def allowed_actions(state: State) -> list[Action]:
    return TABLE.allowed(state)


def check(state: State, action: Action, permissions: frozenset[str]) -> State:
    """The next state, or Conflict (illegal in this state) / Forbidden (role lacks the right)."""
    target = TABLE.next(state, action)
    permission = PERMISSION[(state, action)]
    if permission not in permissions:
        raise Forbidden(
            f"{action.value} on a {state.value} work order needs permission {permission}",
            f"当前角色无权对「{STATE_ZH[state]}」工单执行「{ACTION_ZH[action]}」",
            permission=permission,
        )
    return target


def can_reach_terminal(state: State) -> bool:
    """True if some sequence of actions leads from `state` to closed, cancelled or merged."""
    seen = {state}
    todo = [state]
    while todo:
        s = todo.pop()
        if s in TERMINAL:
            return True
        for (src, _a), (dst, _p) in TRANSITIONS.items():
            if src is s and dst not in seen:
                seen.add(dst)
                todo.append(dst)
    return False
