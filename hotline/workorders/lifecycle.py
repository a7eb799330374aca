"""Applying a state-machine action to one order: check state and role (`states.check`), the
optimistic-lock version, the action's own preconditions, then change the order, set its clocks,
and record timeline, audit, notifications and a bus event — all in the caller's transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.service import record, snapshot
from hotline.bus import publish_on_commit
from hotline.errors import Conflict, Invalid
from hotline.store.base import utcnow
from hotline.workorders.calendar import WorkCalendar
from hotline.workorders.deadlines import arm, clocks, policy_days
from hotline.workorders.models import ExtensionRequest, Notification, ReturnVisit, WorkOrder, WorkOrderEvent
from hotline.workorders.orders import Who, check_version, department_exists, flush, get_order, timeline
from hotline.workorders.states import TERMINAL, Action, State, check
from hotline.workorders.topics import acted

SATISFIED = ("satisfied", "basically_satisfied")
SATISFACTION = (*SATISFIED, "unsatisfied")


def _need(params: dict[str, Any], key: str, what_zh: str) -> Any:
    value = params.get(key)
    if value in (None, ""):
        raise Invalid(f"{key} is required for this action", f"请填写{what_zh}")
    return value


# Actions that notify the department (or, for a return, the center): the notification's kind.
NOTIFY = {
    Action.dispatch: "dispatch",
    Action.return_: "returned",
    Action.reopen: "reopened",
    Action.supervise: "supervision",
}


def _notify(session: Session, order: WorkOrder, kind: str, now: datetime) -> None:
    """After the clocks are armed, so the notification carries the new step's deadline."""
    session.add(
        Notification(
            workorder_id=order.id,
            kind=kind,
            department_id=order.department_id,
            due_at=order.due_at,
            created_at=now,
        )
    )


def _start_clocks(session: Session, order: WorkOrder, cal: WorkCalendar, now: datetime) -> None:
    c = clocks(cal, now, policy_days(session, order.type, order.urgency))
    order.receive_due_at, order.reply_due_at, order.close_due_at = c.receive, c.reply, c.close


def _pending_extension(session: Session, order: WorkOrder) -> ExtensionRequest:
    ext = session.scalar(
        select(ExtensionRequest)
        .where(ExtensionRequest.workorder_id == order.id, ExtensionRequest.status == "pending")
        .order_by(ExtensionRequest.id.desc())
    )
    if ext is None:
        raise Conflict("there is no pending extension request", "没有待审批的延期申请")
    return ext


def _before_deadline(order: WorkOrder, now: datetime, what: str, what_zh: str) -> None:
    if order.reply_due_at is not None and now > order.reply_due_at:
        raise Conflict(f"{what} must happen before the reply deadline", f"已超过答复时限，不能{what_zh}")


def _no_pending_extension(order: WorkOrder, what: str, what_zh: str) -> None:
    """A pending extension needs a decision first: replying or returning meanwhile would leave the
    request with none (it could no longer be approved or refused) and the clocks moving anyway."""
    if order.extension_pending:
        raise Conflict(
            f"{what} is not possible while an extension request is pending; wait for the decision",
            f"延期申请待审批，暂不能{what_zh}；请等待班长审批后再操作",
        )


def _apply(
    session: Session, who: Who, order: WorkOrder, action: Action, params: dict[str, Any], now: datetime
) -> str | None:
    """Action-specific effects; returns the timeline note."""
    cal = WorkCalendar.load(session)
    note: str | None = params.get("note")
    if action is Action.resolve_on_call:
        order.resolution = note = _need(params, "note", "办结说明")
        order.closed_at = now
    elif action is Action.dispatch:
        dept = department_exists(session, int(_need(params, "department_id", "承办单位")))
        order.department_id = dept.id
        order.return_reason = None
        _start_clocks(session, order, cal, now)
        note = note or dept.name
    elif action is Action.return_:
        _no_pending_extension(order, "returning the order", "退单")
        order.return_reason = note = _need(params, "note", "退单理由")
    elif action is Action.request_extension:
        days = int(_need(params, "days", "延期天数"))
        if not 1 <= days <= 30:
            raise Invalid("an extension is 1 to 30 working days", "延期天数应为 1–30 个工作日")
        if order.extension_pending:
            raise Conflict("an extension request is already pending", "已有待审批的延期申请")
        _before_deadline(order, now, "an extension request", "申请延期")
        session.add(
            ExtensionRequest(
                workorder_id=order.id, days=days, reason=_need(params, "note", "延期理由"), requested_at=now
            )
        )
        order.extension_pending = True
        note = f"+{days}: {note}"
    elif action in (Action.approve_extension, Action.refuse_extension):
        ext = _pending_extension(session, order)
        _before_deadline(order, now, "an extension decision", "审批延期")
        ext.status = "approved" if action is Action.approve_extension else "refused"
        ext.decided_at, ext.decided_by = now, who.actor.name
        order.extension_pending = False
        if action is Action.approve_extension:
            assert order.reply_due_at is not None and order.close_due_at is not None
            order.reply_due_at = cal.deadline(order.reply_due_at, ext.days)
            order.close_due_at = cal.deadline(order.close_due_at, ext.days)
    elif action is Action.reply:
        _no_pending_extension(order, "a reply", "答复")
        order.reply = note = _need(params, "note", "答复内容")
        session.add(ReturnVisit(workorder_id=order.id, created_at=now))
    elif action is Action.close:
        satisfaction = params.get("satisfaction")
        if satisfaction not in SATISFIED:
            raise Invalid("close needs satisfaction satisfied or basically_satisfied", "办结需记录满意度")
        order.satisfaction = satisfaction
        order.closed_at = now
    elif action is Action.reopen:
        order.satisfaction = params.get("satisfaction", "unsatisfied")
        order.reply = None
        _start_clocks(session, order, cal, now)
    elif action is Action.supervise:
        order.supervised = True
    elif action is Action.merge:
        target = _merge_target(session, who, params)
        if target.id == order.id:
            raise Invalid("an order cannot be merged into itself", "不能合并到自身")
        if target.state in TERMINAL:
            raise Conflict(f"target {target.number} is {target.state}", f"目标工单 {target.number} 已结束")
        order.merged_into_id = target.id
        timeline(session, target, who.actor, "merged_in", target.state, order.number, at=now)
        note = target.number
    elif action is Action.cancel:
        note = _need(params, "note", "撤销理由")
    return note


def _merge_target(session: Session, who: Who, params: dict[str, Any]) -> WorkOrder:
    """The order to merge into, by its number (GD20261128-0001, what people see) or its id."""
    number = str(params.get("into_number") or "").strip().upper()
    if not number:
        return get_order(session, who, int(_need(params, "into_id", "合并目标工单编号")))
    target_id = session.scalar(select(WorkOrder.id).where(WorkOrder.number == number))
    if target_id is None:
        raise Invalid(f"there is no work order {number}", f"工单 {number} 不存在")
    return get_order(session, who, target_id)


def _replayed(session: Session, who: Who, order: WorkOrder, action: Action, version: int | None) -> bool:
    """True when a stale `version` is only this user's own previous, identical request (a double
    click, a retry after a lost response): the order moved exactly one step since `version`, by
    this action, from this user. It is answered as done, not as "changed by someone else"."""
    if version is None or order.version != version + 1 or who.actor.id is None:
        return False
    last = session.scalar(
        select(WorkOrderEvent)
        .where(WorkOrderEvent.workorder_id == order.id)
        .order_by(WorkOrderEvent.id.desc())
        .limit(1)
    )
    return last is not None and last.action == action.value and last.actor_id == who.actor.id


def act(
    session: Session,
    who: Who,
    order_id: int,
    action: Action | str,
    version: int | None,
    now: datetime | None = None,
    **params: Any,
) -> WorkOrder:
    """Apply `action` to the order, or raise Conflict / Forbidden / Invalid / NotFound."""
    now = now or utcnow()
    action = Action(action)
    order = get_order(session, who, order_id, for_update=True)
    if _replayed(session, who, order, action, version):
        return order
    state = State(order.state)
    target = check(state, action, who.permissions)
    check_version(order, version)
    before = snapshot(order)
    # One flush, so one version step per action (queries in between would autoflush a half-done
    # change and bump it twice): `_replayed` relies on it.
    with session.no_autoflush:
        note = _apply(session, who, order, action, params, now)
        order.state = target.value
        order.updated_at = now
        if target is not state or action in (Action.approve_extension, Action.dispatch, Action.reopen):
            arm(order, WorkCalendar.load(session))
        if action in NOTIFY:
            _notify(session, order, NOTIFY[action], now)
    flush(session, order)
    timeline(session, order, who.actor, action.value, state.value, note, at=now)
    record(session, who.actor, f"workorder.{action.value}", "workorder", order.id, before, snapshot(order))
    publish_on_commit(session, acted(action.value, order))
    return order


def record_return_visit(
    session: Session,
    who: Who,
    order_id: int,
    version: int | None,
    satisfaction: str,
    method: str = "phone",
    note: str | None = None,
    call_id: str | None = None,
    now: datetime | None = None,
) -> WorkOrder:
    """Finish the pending return visit: satisfied closes the order, unsatisfied re-opens it."""
    if satisfaction not in SATISFACTION:
        raise Invalid(f"satisfaction is one of {', '.join(SATISFACTION)}", "满意度取值无效")
    if method not in ("phone", "sms"):
        raise Invalid("method is phone or sms", "回访方式为电话或短信")
    now = now or utcnow()
    order = get_order(session, who, order_id)
    if order.state == State.replied:
        order = act(session, who, order_id, Action.start_return_visit, version, now=now)
        version = order.version
    visit = session.scalar(
        select(ReturnVisit)
        .where(ReturnVisit.workorder_id == order.id, ReturnVisit.status == "pending")
        .order_by(ReturnVisit.id.desc())
    )
    action = Action.close if satisfaction in SATISFIED else Action.reopen
    order = act(session, who, order_id, action, version, now=now, satisfaction=satisfaction, note=note)
    if visit is not None:
        visit.status, visit.method, visit.satisfaction = "done", method, satisfaction
        visit.note, visit.call_id, visit.done_at, visit.done_by = note, call_id, now, who.actor.name
    return order


def overdue_days(order: WorkOrder, now: datetime) -> float:
    if order.due_at is None or now <= order.due_at:
        return 0.0
    return (now - order.due_at) / timedelta(days=1)
