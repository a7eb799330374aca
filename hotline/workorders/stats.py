"""What the analytics rollups read of work orders: the orders the timeline touched after a
high-water mark, the facts of the orders created in a time range, and the orders behind a figure.
Read-only; the work-orders domain owns these tables, analytics only asks here.

Every write of an order adds a timeline row (`workorder_events`), so the timeline's ids say which
orders changed; web requests commit concurrently, so a reader re-reads a window below its mark
(`OVERLAP`) to catch a row committed after a higher one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import case, func, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from hotline.workorders.lifecycle import SATISFIED
from hotline.workorders.models import WorkOrder, WorkOrderEvent, WorkOrderLink


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """What the daily rollup counts of one order."""

    id: int
    created_at: datetime
    category_id: int | None
    district: str | None
    department_id: int | None
    channel: str
    state: str
    closed_at: datetime | None
    close_due_at: datetime | None
    supervised: bool
    satisfaction: str | None
    receive_due_at: datetime | None = None
    reply_due_at: datetime | None = None
    # From the timeline: the latest dispatch or reopen (the current assignment's clocks start
    # there), the latest receive (签收) and reply (答复), and whether an extension (延期) was ever
    # approved or the order ever returned (退单).
    assigned_at: datetime | None = None
    received_at: datetime | None = None
    replied_at: datetime | None = None
    extended: bool = False
    returned: bool = False

    @property
    def satisfied(self) -> bool:
        return self.satisfaction in SATISFIED


_COLUMNS = (
    WorkOrder.id,
    WorkOrder.created_at,
    WorkOrder.category_id,
    WorkOrder.district,
    WorkOrder.department_id,
    WorkOrder.channel,
    WorkOrder.state,
    WorkOrder.closed_at,
    WorkOrder.close_due_at,
    WorkOrder.supervised,
    WorkOrder.satisfaction,
    WorkOrder.receive_due_at,
    WorkOrder.reply_due_at,
)
STEPS = ("dispatch", "reopen", "receive", "reply", "approve_extension", "return")


def last_event_id(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(WorkOrderEvent.id), 0))) or 0)


def touched_after(session: Session, after_id: int, limit: int) -> tuple[int, list[datetime]]:
    """(highest timeline id read, creation times of the orders those rows touched)."""
    ids = session.execute(
        select(WorkOrderEvent.id, WorkOrderEvent.workorder_id)
        .where(WorkOrderEvent.id > after_id)
        .order_by(WorkOrderEvent.id)
        .limit(limit)
    ).all()
    if not ids:
        return after_id, []
    orders = sorted({int(w) for _, w in ids})
    created = session.scalars(select(WorkOrder.created_at).where(WorkOrder.id.in_(orders))).all()
    return int(ids[-1][0]), list(created)


def created_between(session: Session, start: datetime, end: datetime) -> list[OrderFacts]:
    """Facts of the orders created in [start, end), with their timeline's steps."""
    in_range = (WorkOrder.created_at >= start, WorkOrder.created_at < end)
    rows = session.execute(select(*_COLUMNS).where(*in_range)).all()
    ev = WorkOrderEvent

    def latest(*actions: str) -> ColumnElement[datetime]:
        return type_coerce(func.max(case((ev.action.in_(actions), ev.at))), ev.at.type)

    def seen(action: str) -> ColumnElement[int]:
        return func.count(case((ev.action == action, 1)))

    steps = {
        int(r[0]): r[1:]
        for r in session.execute(
            select(
                ev.workorder_id,
                latest("dispatch", "reopen"),
                latest("receive"),
                latest("reply"),
                seen("approve_extension"),
                seen("return"),
            )
            .join(WorkOrder, WorkOrder.id == ev.workorder_id)
            .where(*in_range, ev.action.in_(STEPS))
            .group_by(ev.workorder_id)
        )
    }
    out = []
    for row in rows:
        facts = OrderFacts(*row)
        step = steps.get(facts.id)
        if step is not None:
            assigned, received, replied, extensions, returns = step
            facts = replace(
                facts,
                assigned_at=assigned,
                received_at=received,
                replied_at=replied,
                extended=bool(extensions),
                returned=bool(returns),
            )
        out.append(facts)
    return out


def created_span(session: Session) -> tuple[datetime | None, datetime | None]:
    """The first and last creation times (None, None without orders)."""
    first, last = session.execute(
        select(func.min(WorkOrder.created_at), func.max(WorkOrder.created_at))
    ).one()
    return first, last


def orders_between(
    session: Session,
    start: datetime,
    end: datetime,
    filters: dict[str, object],
    limit: int,
    after_id: int | None = None,
) -> Sequence[WorkOrder]:
    """The orders behind a figure: created in [start, end) matching `filters` (column -> value, a
    None value matching NULL), by id, `limit` at a time after `after_id`."""
    stmt = select(WorkOrder).where(WorkOrder.created_at >= start, WorkOrder.created_at < end)
    for name, value in filters.items():
        col = getattr(WorkOrder, name)
        stmt = stmt.where(col.is_(None) if value is None else col == value)
    if after_id is not None:
        stmt = stmt.where(WorkOrder.id > after_id)
    return session.scalars(stmt.order_by(WorkOrder.id).limit(limit)).all()


@dataclass(frozen=True, slots=True)
class OrderText:
    """What hotspot detection reads of one order."""

    id: int
    created_at: datetime
    category_id: int | None
    district: str | None
    title: str
    content: str


def texts_between(session: Session, start: datetime, end: datetime) -> list[OrderText]:
    """Title and content of the orders created in [start, end), merged and cancelled ones left out."""
    rows = session.execute(
        select(
            WorkOrder.id,
            WorkOrder.created_at,
            WorkOrder.category_id,
            WorkOrder.district,
            WorkOrder.title,
            WorkOrder.content,
        ).where(
            WorkOrder.created_at >= start,
            WorkOrder.created_at < end,
            WorkOrder.state.not_in(("merged", "cancelled")),
        )
    ).all()
    return [OrderText(*row) for row in rows]


def call_categories(session: Session, uuids: Sequence[str]) -> dict[str, int]:
    """The category of the work order each call was filed as (calls without one, or whose order
    has no category, are left out); a call on two orders takes the first order's."""
    out: dict[str, int] = {}
    chunk = 2_000
    for i in range(0, len(uuids), chunk):
        rows = session.execute(
            select(WorkOrderLink.ref, WorkOrder.category_id)
            .join(WorkOrder, WorkOrder.id == WorkOrderLink.workorder_id)
            .where(WorkOrderLink.kind == "call", WorkOrderLink.ref.in_(list(uuids[i : i + chunk])))
            .order_by(WorkOrderLink.workorder_id)
        ).all()
        for ref, category in rows:
            if category is not None:
                out.setdefault(ref, int(category))
    return out


def numbers_of(session: Session, ids: Sequence[int]) -> dict[int, tuple[str, str, bool]]:
    """(number, title, confidential) of these orders."""
    rows = session.execute(
        select(WorkOrder.id, WorkOrder.number, WorkOrder.title, WorkOrder.confidential).where(
            WorkOrder.id.in_(list(ids)[:5000])
        )
    ).all()
    return {int(i): (n, t, bool(c)) for i, n, t, c in rows}
