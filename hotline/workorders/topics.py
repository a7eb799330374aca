"""Work orders' events (docs/events.md), all published once the write committed.

One event per lifecycle action, named by its past tense (`dispatch` -> `workorder.dispatched`),
with the order's state after it; `acted(action, order)` picks the type. The deadline sweep
announces how many orders each of its stages reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hotline.events import BusEvent, topic

if TYPE_CHECKING:
    from hotline.workorders.models import WorkOrder


@topic("workorder.created")
@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderCreated(BusEvent):
    """A work order was created; `call_ids` are the calls it came from (their recordings mark it;
    a `complaint` flags them for quality sampling)."""

    id: int
    number: str
    channel: str
    call_ids: list[str]
    type: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderActed(BusEvent):
    """A lifecycle action was applied; `state` is the order's state after it."""

    id: int
    number: str
    state: str
    department_id: int | None


@topic("workorder.accepted")
@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderAccepted(WorkOrderActed):
    """Accepted by the hotline."""


@topic("workorder.resolved_on_call")
@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderResolvedOnCall(WorkOrderActed):
    """Answered on the call itself and closed."""


@topic("workorder.dispatched")
@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderDispatched(WorkOrderActed):
    """Dispatched to a department (its clocks start)."""


@topic("workorder.received")
@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderReceived(WorkOrderActed):
    """Signed for by the department."""


@topic("workorder.returned")
@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderReturned(WorkOrderActed):
    """Sent back by the department for re-dispatch."""


@topic("workorder.extension_requested")
@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderExtensionRequested(WorkOrderActed):
    """The department asked for more time."""


@topic("workorder.extension_approved")
@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderExtensionApproved(WorkOrderActed):
    """The extension was approved (clocks moved)."""


@topic("workorder.extension_refused")
@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderExtensionRefused(WorkOrderActed):
    """The extension was refused."""


@topic("workorder.replied")
@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderReplied(WorkOrderActed):
    """The department answered."""


@topic("workorder.return_visit_started")
@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderReturnVisitStarted(WorkOrderActed):
    """The hotline began the return visit."""


@topic("workorder.closed")
@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderClosed(WorkOrderActed):
    """Closed."""


@topic("workorder.reopened")
@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderReopened(WorkOrderActed):
    """Reopened to the department after an unsatisfied return visit."""


@topic("workorder.supervised")
@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderSupervised(WorkOrderActed):
    """Put under supervision by hand."""


@topic("workorder.merged")
@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderMerged(WorkOrderActed):
    """Merged into another order."""


@topic("workorder.cancelled")
@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderCancelled(WorkOrderActed):
    """Cancelled."""


ACTED: dict[str, type[WorkOrderActed]] = {
    "accept": WorkOrderAccepted,
    "resolve_on_call": WorkOrderResolvedOnCall,
    "dispatch": WorkOrderDispatched,
    "receive": WorkOrderReceived,
    "return": WorkOrderReturned,
    "request_extension": WorkOrderExtensionRequested,
    "approve_extension": WorkOrderExtensionApproved,
    "refuse_extension": WorkOrderExtensionRefused,
    "reply": WorkOrderReplied,
    "start_return_visit": WorkOrderReturnVisitStarted,
    "close": WorkOrderClosed,
    "reopen": WorkOrderReopened,
    "supervise": WorkOrderSupervised,
    "merge": WorkOrderMerged,
    "cancel": WorkOrderCancelled,
}


def acted(action: str, order: WorkOrder) -> WorkOrderActed:
    """The event for `action` applied to `order` (one type per action; see `ACTED`)."""
    return ACTED[action](
        id=order.id, number=order.number, state=order.state, department_id=order.department_id
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineSwept(BusEvent):
    """The deadline sweep moved `count` orders to this alert level at `at` (ISO time)."""

    count: int
    at: str


@topic("workorder.deadline_warned")
@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderDeadlineWarned(DeadlineSwept):
    """Orders whose current deadline is near (warning level)."""


@topic("workorder.deadline_supervised")
@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderDeadlineSupervised(DeadlineSwept):
    """Orders past their deadline, put under supervision."""


@topic("workorder.deadline_escalated")
@dataclass(frozen=True, slots=True, kw_only=True)
class WorkOrderDeadlineEscalated(DeadlineSwept):
    """Orders past their escalation time, escalated."""


SWEPT: dict[str, type[DeadlineSwept]] = {
    "warning": WorkOrderDeadlineWarned,
    "supervision": WorkOrderDeadlineSupervised,
    "escalation": WorkOrderDeadlineEscalated,
}


def deadline_swept(kind: str, count: int, at: str) -> DeadlineSwept:
    """The event for a deadline-sweep stage (`warning`, `supervision`, `escalation`)."""
    return SWEPT[kind](count=count, at=at)
