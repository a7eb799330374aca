"""Raw rows for the analytics tests (queue-log lines, work orders with their timeline) and the
naive recomputation of every report figure straight from them, written from docs/kpi.md and
docs/analytics.md without the rollup code."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from hotline.analytics.models import (
    CallAgentMonth,
    CallHour,
    CallMonth,
    CallSlot,
    Hotspot,
    OrderDay,
    OrderMonth,
    OrderMonthChannel,
    OrderMonthNarrow,
    Watermark,
)
from hotline.calls.models import QueueEventRow
from hotline.store.db import Database
from hotline.workorders.models import Category, WorkOrder, WorkOrderEvent

CST = timedelta(hours=8)  # Asia/Shanghai has no summer time


def local_day(at: datetime) -> date:
    return (at.astimezone(UTC) + CST).date()


@dataclass(frozen=True)
class Line:
    kind: str
    queue: str
    at: datetime
    agent_id: int | None = None
    wait: float | None = None
    data: dict[str, Any] | None = None


def add_lines(db: Database, lines: list[Line]) -> None:
    with db.session() as s:
        for n, ln in enumerate(lines):
            s.add(
                QueueEventRow(
                    call_uuid=f"c-{ln.at.timestamp()}-{n}",
                    queue=ln.queue,
                    kind=ln.kind,
                    at=ln.at,
                    agent_id=ln.agent_id,
                    wait_seconds=ln.wait,
                    data=ln.data or {},
                )
            )


def clear(db: Database) -> None:
    with db.session() as s:
        for model in (
            CallSlot,
            CallHour,
            CallMonth,
            CallAgentMonth,
            OrderDay,
            OrderMonth,
            OrderMonthNarrow,
            OrderMonthChannel,
            Hotspot,
            Watermark,
            QueueEventRow,
            WorkOrderEvent,
            WorkOrder,
        ):
            s.execute(delete(model))


def naive_calls(lines: list[Line], first: date, last: date, queue: str | None = None) -> dict[str, Any]:
    """docs/kpi.md, one line at a time; the center (no queue) counts an overflowing caller once."""
    c: dict[str, float] = defaultdict(float)
    center = queue is None
    for ln in lines:
        if not first <= local_day(ln.at) <= last or (queue is not None and ln.queue != queue):
            continue
        wait = ln.wait or 0.0
        data = ln.data or {}
        if ln.kind == "enter" or (ln.kind in ("overflow", "transfer") and not center):
            c["offered"] += 1
        elif ln.kind == "connect" and not data.get("joined"):
            c["answered"] += 1
            c["in_sl"] += wait <= 15
            c["wait"] += wait
        elif ln.kind == "abandon":
            c["short" if wait < 5 else "abandoned"] += 1
        elif ln.kind == "callback_failed":
            c["abandoned"] += 1
        elif ln.kind == "timeout":
            o = data.get("overflow")
            if (center and o in ("voicemail", "hangup")) or (not center and o != "callback"):
                c["lost"] += 1
        elif ln.kind == "callback":
            c["callbacks"] += 1
        elif ln.kind == "complete":
            c["completed"] += 1
            c["talk"] += float(data.get("talk") or 0)
    resolved = c["answered"] + c["abandoned"] + c["lost"]

    def rate(n: float) -> float | None:
        return round(n / resolved, 4) if resolved else None

    return {
        "offered": int(c["offered"]),
        "answered": int(c["answered"]),
        "abandoned": int(c["abandoned"]),
        "short_abandoned": int(c["short"]),
        "lost": int(c["lost"]),
        "callbacks": int(c["callbacks"]),
        "completed": int(c["completed"]),
        "answer_rate": rate(c["answered"]),
        "abandon_rate": rate(c["abandoned"]),
        "service_level": rate(c["in_sl"]),
        "asa": round(c["wait"] / c["answered"], 1) if c["answered"] else None,
        "aht": round(c["talk"] / c["completed"], 1) if c["completed"] else None,
    }


def categories(db: Database) -> list[int]:
    with db.session() as s:
        ids = [r[0] for r in s.execute(text("SELECT id FROM workorder_categories ORDER BY id"))]
        if ids:
            return ids
        made = [Category(code=f"T{i}", name=f"类{i}") for i in (1, 2)]
        s.add_all(made)
        s.flush()
        return [c.id for c in made]


_numbers = iter(range(1, 10**9))


def add_order(s: Session, **fields: Any) -> WorkOrder:
    n = next(_numbers)
    fields.setdefault("type", "inquiry")
    order = WorkOrder(number=f"T{n:010d}", title=fields.pop("title", f"工单{n}"), content="内容", **fields)
    s.add(order)
    s.flush()
    s.add(WorkOrderEvent(workorder_id=order.id, at=order.created_at, actor="t", action="create"))
    return order


def touch(s: Session, order_id: int, **fields: Any) -> None:
    order = s.get(WorkOrder, order_id)
    assert order is not None
    for k, v in fields.items():
        setattr(order, k, v)
    s.add(WorkOrderEvent(workorder_id=order_id, at=order.created_at, actor="t", action="update"))


def add_steps(s: Session, order_id: int, steps: list[tuple[str, int]]) -> None:
    """Timeline steps (action, seconds after the order's creation), as the lifecycle writes them."""
    order = s.get(WorkOrder, order_id)
    assert order is not None
    for action, after in steps:
        at = order.created_at + timedelta(seconds=after)
        s.add(WorkOrderEvent(workorder_id=order_id, at=at, actor="t", action=action))


def naive_orders(db: Database, first: date, last: date, **filters: Any) -> dict[str, Any]:
    with db.session() as s:
        orders = list(s.query(WorkOrder))
        events: dict[int, list[WorkOrderEvent]] = defaultdict(list)
        for e in s.query(WorkOrderEvent):
            events[e.workorder_id].append(e)
    n = closed = on_time = supervised = visited = satisfied = 0
    steps: dict[str, int] = defaultdict(int)
    for o in orders:
        if not first <= local_day(o.created_at) <= last:
            continue
        if any(getattr(o, k) != v for k, v in filters.items()):
            continue
        n += 1
        if o.closed_at is not None:
            closed += 1
            on_time += o.close_due_at is None or o.closed_at <= o.close_due_at
        supervised += bool(o.supervised)
        visited += o.satisfaction is not None
        satisfied += o.satisfaction in ("satisfied", "basically_satisfied")
        # Steps of the current assignment: after the latest dispatch or reopen, one step at a time.
        assigned = received = replied = None
        for e in sorted(events[o.id], key=lambda e: e.at):
            if e.action in ("dispatch", "reopen"):
                assigned = e.at
            elif e.action == "receive":
                received = e.at
            elif e.action == "reply":
                replied = e.at
        actions = {e.action for e in events[o.id]}
        steps["extended"] += "approve_extension" in actions
        steps["returned"] += "return" in actions
        for step, at, due in (("received", received, o.receive_due_at), ("replied", replied, o.reply_due_at)):
            if at is not None and assigned is not None and at >= assigned:
                steps[step] += 1
                steps[f"{step}_on_time"] += due is None or at <= due
    return {
        "orders": n,
        "closed": closed,
        "closed_on_time": on_time,
        "on_time_rate": round(on_time / closed, 4) if closed else None,
        "supervised": supervised,
        "visited": visited,
        "satisfied": satisfied,
        "satisfaction_rate": round(satisfied / visited, 4) if visited else None,
        "received": steps["received"],
        "received_on_time": steps["received_on_time"],
        "receive_on_time_rate": round(steps["received_on_time"] / steps["received"], 4)
        if steps["received"]
        else None,
        "replied": steps["replied"],
        "replied_on_time": steps["replied_on_time"],
        "reply_on_time_rate": round(steps["replied_on_time"] / steps["replied"], 4)
        if steps["replied"]
        else None,
        "extended": steps["extended"],
        "returned": steps["returned"],
    }
