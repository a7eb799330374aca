"""The states of one mail/SMS notification delivery (`workorder_notify_out.status`) as a table.

queued → sending (claimed, committed before the far end is called) → sent; a failed try is
`failed` (retried after a back-off) or `dead` after the last; a claim a process left behind is
`unknown` (it may have gone out, so the job never sends it again); a row that no longer applies is
`skipped` before it is claimed. An operator's retry puts dead, unknown or failed rows back in the
queue. Anything else is a 409 naming the state.
"""

from __future__ import annotations

from enum import StrEnum

from hotline.errors import Conflict
from hotline.statetable import StateTable


class Status(StrEnum):
    queued = "queued"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    dead = "dead"
    unknown = "unknown"
    skipped = "skipped"


class Step(StrEnum):
    claim = "claim"
    succeed = "succeed"
    fail = "fail"
    give_up = "give_up"
    interrupt = "interrupt"
    skip = "skip"
    retry = "retry"


STATUS_ZH = {
    Status.queued: "待发送",
    Status.sending: "发送中",
    Status.sent: "已发送",
    Status.failed: "发送失败",
    Status.dead: "停止重试",
    Status.unknown: "发送结果未知",
    Status.skipped: "不发送",
}
STEP_ZH = {Step.retry: "重新发送", Step.claim: "发送", Step.skip: "取消发送"}

TRANSITIONS: dict[tuple[Status, Step], Status] = {
    (Status.queued, Step.claim): Status.sending,
    (Status.failed, Step.claim): Status.sending,
    (Status.queued, Step.skip): Status.skipped,
    (Status.failed, Step.skip): Status.skipped,
    (Status.sending, Step.succeed): Status.sent,
    (Status.sending, Step.fail): Status.failed,
    (Status.sending, Step.give_up): Status.dead,
    (Status.sending, Step.interrupt): Status.unknown,
    (Status.dead, Step.retry): Status.queued,
    (Status.unknown, Step.retry): Status.queued,
    (Status.failed, Step.retry): Status.queued,
}


def _refuse(state: Status, step: Step, allowed: list[Step]) -> Conflict:
    legal = ", ".join(a.value for a in allowed) or "none"
    return Conflict(
        f"a {state.value} notification delivery cannot {step.value}; allowed now: {legal}",
        f"该通知{STATUS_ZH[state]}，不能{STEP_ZH.get(step, step.value)}",
        state=state.value,
        action=step.value,
    )


TABLE: StateTable[Status, Step] = StateTable(
    "notification delivery", TRANSITIONS, what_zh="通知发送", refuse=_refuse
)


def sources(step: Step) -> tuple[str, ...]:
    """The states `step` may leave (for the conditional UPDATE that claims a row)."""
    return tuple(s.value for (s, a) in TRANSITIONS if a is step)
