"""The workforce's state machines as tables: a roster (draft → published), a swap request
(pending → approved | refused), a leave request (pending → approved | rejected; pending or
approved → cancelled) and a shift handover (open → acknowledged → handed_over: the
incoming shift must acknowledge before the handover can complete)."""

from __future__ import annotations

from enum import StrEnum

from hotline.errors import Conflict
from hotline.statetable import StateTable


class RosterState(StrEnum):
    draft = "draft"
    published = "published"


class RosterAction(StrEnum):
    publish = "publish"
    edit = "edit"


ROSTER = StateTable(
    "roster",
    {
        (RosterState.draft, RosterAction.publish): RosterState.published,
        (RosterState.draft, RosterAction.edit): RosterState.draft,
        # Edits after publishing stay published: agents see the change at once (audited).
        (RosterState.published, RosterAction.edit): RosterState.published,
    },
    what_zh="排班表",
)


class SwapState(StrEnum):
    pending = "pending"
    approved = "approved"
    refused = "refused"


class SwapAction(StrEnum):
    approve = "approve"
    refuse = "refuse"


SWAP = StateTable(
    "swap request",
    {
        (SwapState.pending, SwapAction.approve): SwapState.approved,
        (SwapState.pending, SwapAction.refuse): SwapState.refused,
    },
    what_zh="换班申请",
)


class LeaveState(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    cancelled = "cancelled"


class LeaveAction(StrEnum):
    approve = "approve"
    reject = "reject"
    cancel = "cancel"


LEAVE = StateTable(
    "leave request",
    {
        (LeaveState.pending, LeaveAction.approve): LeaveState.approved,
        (LeaveState.pending, LeaveAction.reject): LeaveState.rejected,
        (LeaveState.pending, LeaveAction.cancel): LeaveState.cancelled,
        # Approved leave can still be called off (the agent comes back; the roster may use them again).
        (LeaveState.approved, LeaveAction.cancel): LeaveState.cancelled,
    },
    what_zh="请假申请",
)


class HandoverState(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    handed_over = "handed_over"


class HandoverAction(StrEnum):
    edit = "edit"
    acknowledge = "acknowledge"
    complete = "complete"


def _handover_refusal(
    state: HandoverState, action: HandoverAction, allowed: list[HandoverAction]
) -> Conflict:
    if action is HandoverAction.complete and state is HandoverState.open:
        return Conflict(
            "the incoming shift has not acknowledged this handover yet",
            "接班人尚未确认交接内容，不能完成交接班",
            state=state.value,
            action=action.value,
        )
    legal = ", ".join(a.value for a in allowed) or "none"
    return Conflict(
        f"handover cannot {action.value} while {state.value}; allowed now: {legal}",
        f"交接班记录当前为「{state.value}」，不能执行 {action.value}",
        state=state.value,
        action=action.value,
    )


HANDOVER = StateTable(
    "handover",
    {
        (HandoverState.open, HandoverAction.edit): HandoverState.open,
        (HandoverState.open, HandoverAction.acknowledge): HandoverState.acknowledged,
        (HandoverState.acknowledged, HandoverAction.complete): HandoverState.handed_over,
    },
    what_zh="交接班记录",
    refuse=_handover_refusal,
)
