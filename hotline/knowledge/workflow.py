"""The article workflow as an explicit transition table: which action moves an article from which
state to which, and the permission it takes.

Writers (knowledge.write) submit, withdraw and reopen; reviewers (knowledge.review) reject, publish
and retire. Editing a published article is the implicit `revise` action: the working copy goes back
to draft while the last published version keeps being served until the next publish or a retire.
Anything not in the table is a 409 with a message in English and Chinese (the moves are a
`hotline.statetable.StateTable`, the type every state machine here shares).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hotline.errors import Conflict
from hotline.statetable import StateTable


class State(StrEnum):
    draft = "draft"
    in_review = "in_review"
    published = "published"
    retired = "retired"


class Action(StrEnum):
    submit = "submit"
    withdraw = "withdraw"
    reject = "reject"
    publish = "publish"
    retire = "retire"
    reopen = "reopen"
    revise = "revise"


STATE_ZH = {
    State.draft: "草稿",
    State.in_review: "审核中",
    State.published: "已发布",
    State.retired: "已下架",
}


@dataclass(frozen=True)
class Transition:
    action: str
    source: State
    target: State
    permission: str
    label_zh: str


TRANSITIONS: list[Transition] = [
    Transition("submit", State.draft, State.in_review, "knowledge.write", "提交审核"),
    Transition("withdraw", State.in_review, State.draft, "knowledge.write", "撤回"),
    Transition("reject", State.in_review, State.draft, "knowledge.review", "退回修改"),
    Transition("publish", State.in_review, State.published, "knowledge.review", "发布"),
    Transition("retire", State.published, State.retired, "knowledge.review", "下架"),
    # A revision in progress can be retired too: it takes the served version down with it.
    Transition("retire", State.draft, State.retired, "knowledge.review", "下架"),
    Transition("retire", State.in_review, State.retired, "knowledge.review", "下架"),
    Transition("reopen", State.retired, State.draft, "knowledge.write", "重新编辑"),
    Transition("revise", State.published, State.draft, "knowledge.write", "修订"),
]

ACTIONS: dict[str, str] = {t.action: t.permission for t in TRANSITIONS}
# Actions offered as their own endpoint (revise happens through an edit).
ENDPOINT_ACTIONS = ["submit", "withdraw", "reject", "publish", "retire", "reopen"]
_BY_MOVE = {(t.source, Action(t.action)): t for t in TRANSITIONS}


def _refuse(state: State | str, action: Action | str, allowed: list[Action]) -> Conflict:
    try:
        state_zh = STATE_ZH[State(state)]
    except ValueError:
        state_zh = str(state)
    names = ", ".join(sorted(a.value for a in allowed)) or "none"
    return Conflict(
        f"cannot {action} an article that is {state}; allowed: {names}",
        f"知识条目当前为“{state_zh}”，不能执行该操作（{action}）",
    )


TABLE: StateTable[State, Action] = StateTable(
    "article", {move: t.target for move, t in _BY_MOVE.items()}, refuse=_refuse
)


def transition(state: str, action: str) -> Transition:
    """The transition for `action` from `state`, or a 409 naming what is allowed."""
    try:
        move = (State(state), Action(action))
    except ValueError:
        known = state in State.__members__.values()
        raise _refuse(state, action, TABLE.allowed(State(state)) if known else []) from None
    TABLE.next(*move)
    return _BY_MOVE[move]
