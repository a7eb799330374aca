"""The post workflow as an explicit transition table, after the knowledge base's review pattern.

Writers (`newmedia.write`) draft, submit, withdraw and reopen; reviewers (`newmedia.review`)
reject, approve, publish and retire. A post is edited only as a draft: an approved post that needs
a change is reopened (and reviewed again), so what goes out is always what was approved. An
approved post with a planned time is published by the job when the time comes. Anything not in
the table is a 409 naming what is allowed (`hotline.statetable.StateTable`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hotline.errors import Conflict
from hotline.statetable import StateTable


class State(StrEnum):
    draft = "draft"
    in_review = "in_review"
    approved = "approved"
    published = "published"
    retired = "retired"


class Action(StrEnum):
    submit = "submit"
    withdraw = "withdraw"
    reject = "reject"
    approve = "approve"
    publish = "publish"
    retire = "retire"
    reopen = "reopen"


STATE_ZH = {
    State.draft: "草稿",
    State.in_review: "待审核",
    State.approved: "已审核",
    State.published: "已发布",
    State.retired: "已撤下",
}


@dataclass(frozen=True)
class Transition:
    action: Action
    source: State
    target: State
    permission: str
    label_zh: str


TRANSITIONS: list[Transition] = [
    Transition(Action.submit, State.draft, State.in_review, "newmedia.write", "提交审核"),
    Transition(Action.withdraw, State.in_review, State.draft, "newmedia.write", "撤回"),
    Transition(Action.reject, State.in_review, State.draft, "newmedia.review", "退回修改"),
    Transition(Action.approve, State.in_review, State.approved, "newmedia.review", "审核通过"),
    Transition(Action.publish, State.approved, State.published, "newmedia.review", "发布"),
    Transition(Action.reopen, State.approved, State.draft, "newmedia.write", "重新编辑"),
    Transition(Action.retire, State.published, State.retired, "newmedia.review", "撤下"),
    Transition(Action.reopen, State.retired, State.draft, "newmedia.write", "重新编辑"),
]
PERMISSION: dict[Action, str] = {t.action: t.permission for t in TRANSITIONS}


def _refuse(state: State, action: Action, allowed: list[Action]) -> Conflict:
    names = ", ".join(a.value for a in allowed) or "none"
    return Conflict(
        f"cannot {action.value} a post that is {state.value}; allowed: {names}",
        f"稿件当前为「{STATE_ZH[state]}」，不能{_LABEL.get(action, action.value)}",
        state=state.value,
        action=action.value,
    )


_LABEL = {t.action: t.label_zh for t in TRANSITIONS}
TABLE: StateTable[State, Action] = StateTable(
    "post", {(t.source, t.action): t.target for t in TRANSITIONS}, what_zh="稿件", refuse=_refuse
)
