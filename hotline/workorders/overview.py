"""Overviews (督办台 / Zammad "Overviews"): named buckets of work orders, each a list filter and a
count, for the viewer's scope. A department handler gets the department's desk (待签收, 待答复,
即将超期, 已办结; the default list is the orders still at the department); the center (supervisors,
agents) gets the supervision desk (待派单, 退单待处理, 即将超期, 已超期, 延期待审批, 不满意重办).
All counts come from one aggregate query over the same scope the list uses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, false, func, select
from sqlalchemy.orm import Session

from hotline.errors import Invalid
from hotline.workorders.deadlines import WARN_BEFORE
from hotline.workorders.models import WorkOrder
from hotline.workorders.service import Who
from hotline.workorders.states import AT_DEPARTMENT, OPEN, TERMINAL, State

HANDLER_BUCKETS = ("at_department", "to_receive", "to_reply", "due_soon", "done")
CENTER_BUCKETS = ("to_dispatch", "returned", "due_soon", "overdue", "extension", "redo")
# The department's part is over once it has replied (the hotline then calls the citizen back).
DEPARTMENT_DONE = (State.replied, State.return_visit, State.closed)


def _in(states: object) -> ColumnElement[bool]:
    return WorkOrder.state.in_([State(s).value for s in states])  # type: ignore[attr-defined]


def condition(bucket: str, now: datetime) -> ColumnElement[bool]:
    """The WHERE clause of one bucket (also the list filter `bucket=`)."""
    open_ = _in(OPEN)
    if bucket == "at_department":
        return _in(AT_DEPARTMENT)
    if bucket == "to_receive":
        return WorkOrder.state == State.dispatched.value
    if bucket == "to_reply":
        return WorkOrder.state == State.received.value
    if bucket == "due_soon":
        return and_(open_, WorkOrder.due_at >= now, WorkOrder.due_at <= now + WARN_BEFORE)
    if bucket == "overdue":
        return and_(open_, WorkOrder.due_at < now)
    if bucket == "done":
        return _in(DEPARTMENT_DONE)
    if bucket == "to_dispatch":
        return WorkOrder.state == State.accepted.value
    if bucket == "returned":
        return WorkOrder.state == State.returned.value
    if bucket == "extension":
        return and_(WorkOrder.extension_pending.is_(True), WorkOrder.state == State.received.value)
    if bucket == "redo":
        # Re-opened after an unsatisfied return visit and not finished again yet.
        return and_(
            WorkOrder.satisfaction == "unsatisfied", WorkOrder.state.not_in([s.value for s in TERMINAL])
        )
    raise Invalid(f"unknown bucket {bucket!r}", "工单分组无效")


def buckets_for(who: Who) -> tuple[str, ...]:
    return HANDLER_BUCKETS if who.department_only else CENTER_BUCKETS


def counts(session: Session, who: Who, now: datetime) -> dict[str, int]:
    """{bucket: count} for the viewer's buckets, in one query."""
    names = buckets_for(who)
    cols = [func.coalesce(func.sum(case((condition(b, now), 1), else_=0)), 0).label(b) for b in names]
    stmt = select(*cols).select_from(WorkOrder)
    if who.department_only:  # the same scope as the list (`queries.build`)
        stmt = stmt.where(WorkOrder.department_id == who.department_id if who.department_id else false())
    else:
        # Only open orders feed the center's buckets: no scan of the closed archive.
        stmt = stmt.where(_in(OPEN))
    row = session.execute(stmt).one()
    return {b: int(row._mapping[b]) for b in names}
