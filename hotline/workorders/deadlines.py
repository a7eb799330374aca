"""Deadline policies and clocks, and the set-based sweep that warns, supervises and escalates.

Each order carries three clocks (receive, reply, close) set at dispatch from the policy for its
type and urgency, plus `due_at`, the clock that runs in its current state, and precomputed
`warn_at` / `escalate_at`. The sweep then needs no calendar arithmetic and no per-row Python: for
each stage it copies the matching rows into notifications with one INSERT ... SELECT and raises
`alert_level` with one UPDATE, both driven by the (alert_level, due_at) index, so the cost is the
number of orders that cross a line, not the number of open orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, insert, literal, select, text, update
from sqlalchemy.orm import Session

from hotline.audit.service import SYSTEM
from hotline.bus import publish_on_commit
from hotline.workorders.calendar import WorkCalendar
from hotline.workorders.models import DeadlinePolicy, Notification, WorkOrder, WorkOrderEvent
from hotline.workorders.states import State
from hotline.workorders.topics import deadline_swept

WARN_BEFORE = timedelta(hours=24)
ESCALATE_AFTER_WORKDAYS = 2
SWEEP_LOCK = 0x6F726465  # advisory-lock key of the deadline sweep
TIMELINE_NOTE = {
    "supervision": "已超过当前环节时限，系统自动督办，请尽快办理",
    "escalation": "超期未办结，已升级督办",
}

# type -> (receive, reply, close) working days; emergency: the same day.
DEFAULT_POLICIES: dict[str, tuple[int, int, int]] = {
    "emergency": (0, 0, 1),
    "inquiry": (1, 3, 5),
    "help_request": (1, 3, 5),
    "praise": (1, 3, 5),
    "complaint": (1, 13, 15),
    "suggestion": (1, 13, 15),
    "report": (1, 13, 15),
}
TYPES = tuple(DEFAULT_POLICIES)
URGENCIES = ("normal", "urgent", "emergency")


@dataclass(frozen=True)
class Clocks:
    receive: datetime
    reply: datetime
    close: datetime


def policy_days(session: Session, type_: str, urgency: str) -> tuple[int, int, int]:
    """Configured days for (type, urgency), then (type, '*'), then the defaults."""
    if urgency == "emergency":
        type_ = "emergency" if type_ not in DEFAULT_POLICIES else type_
    rows = {
        p.urgency: p
        for p in session.scalars(
            select(DeadlinePolicy).where(
                DeadlinePolicy.type == type_, DeadlinePolicy.urgency.in_([urgency, "*"])
            )
        )
    }
    p = rows.get(urgency) or rows.get("*")
    if p is not None:
        return p.receive_days, p.reply_days, p.close_days
    if urgency == "emergency":
        return DEFAULT_POLICIES["emergency"]
    return DEFAULT_POLICIES.get(type_, DEFAULT_POLICIES["inquiry"])


def clocks(cal: WorkCalendar, start: datetime, days: tuple[int, int, int]) -> Clocks:
    receive, reply, close = days
    return Clocks(cal.deadline(start, receive), cal.deadline(start, reply), cal.deadline(start, close))


def running_clock(order: WorkOrder) -> datetime | None:
    state = State(order.state)
    if state is State.dispatched:
        return order.receive_due_at
    if state is State.received:
        return order.reply_due_at
    if state in (State.replied, State.return_visit):
        return order.close_due_at
    return None


def arm(order: WorkOrder, cal: WorkCalendar) -> None:
    """Point `due_at` at the clock of the current state and reset the alert ladder."""
    due = running_clock(order)
    order.due_at = due
    order.alert_level = 0
    if due is None:
        order.warn_at = order.escalate_at = None
        return
    order.warn_at = due - WARN_BEFORE
    order.escalate_at = cal.deadline(due, ESCALATE_AFTER_WORKDAYS)


def _stages(now: datetime) -> list[tuple[str, int, ColumnElement[bool]]]:
    """(kind, level reached, condition); each kind has its bus event (`topics.deadline_swept`).
    Each condition is one range per level on an index: (alert_level, due_at) — warn_at is exactly
    due_at - WARN_BEFORE — or (alert_level, escalate_at). `alert_level IN (...)` rather than `<`
    keeps the second column usable."""
    return [
        (
            "warning",
            1,
            and_(WorkOrder.alert_level.in_([0]), WorkOrder.due_at <= now + WARN_BEFORE),
        ),
        (
            "supervision",
            2,
            and_(WorkOrder.alert_level.in_([0, 1]), WorkOrder.due_at <= now),
        ),
        (
            "escalation",
            3,
            and_(WorkOrder.alert_level.in_([0, 1, 2]), WorkOrder.escalate_at <= now),
        ),
    ]


def sweep_deadlines(session: Session, now: datetime) -> dict[str, int]:
    """Send warnings, automatic supervision (督办) and escalations that are due at `now`.

    Idempotent: `alert_level` only rises. Several workers may run it: on PostgreSQL a transaction
    advisory lock serializes sweeps (otherwise two INSERT ... SELECTs could read the same rows
    before either UPDATE); SQLite serializes writers anyway, and the first statement is a write.
    Returns counts per stage; publishes one bus event per stage that sent anything.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SWEEP_LOCK})
    counts: dict[str, int] = {}
    for kind, level, cond in _stages(now):
        session.execute(
            insert(Notification).from_select(
                ["workorder_id", "kind", "department_id", "due_at", "created_at", "read"],
                select(
                    WorkOrder.id,
                    literal(kind),
                    WorkOrder.department_id,
                    WorkOrder.due_at,
                    literal(now, Notification.created_at.type),
                    literal(False),
                ).where(cond),
            )
        )
        if kind in TIMELINE_NOTE:
            # The automatic 督办/升级 in the order's timeline too, with what it means (set-based as well).
            session.execute(
                insert(WorkOrderEvent).from_select(
                    [
                        "workorder_id",
                        "at",
                        "actor",
                        "action",
                        "from_state",
                        "to_state",
                        "department_id",
                        "note",
                    ],
                    select(
                        WorkOrder.id,
                        literal(now, WorkOrderEvent.at.type),
                        literal(SYSTEM.name),
                        literal("supervise" if kind == "supervision" else "escalate"),
                        WorkOrder.state,
                        WorkOrder.state,
                        WorkOrder.department_id,
                        literal(TIMELINE_NOTE[kind]),
                    ).where(cond),
                )
            )
        values: dict[object, object] = {"alert_level": level, "updated_at": now}
        if level >= 2:
            values["supervised"] = True
        result = session.execute(
            update(WorkOrder).where(cond).values(values).execution_options(synchronize_session=False)
        )
        n = result.rowcount or 0  # type: ignore[attr-defined]
        counts[kind] = n
        if n:
            publish_on_commit(session, deadline_swept(kind, n, now.isoformat()))
    return counts
