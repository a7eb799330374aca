"""Sample frames of closed work orders, for return-visit satisfaction surveys (回访满意度调查): the
people whose orders were closed in a period (optionally of one category, district or department),
one member per person and per phone number (their latest closed order), with the number to ring:
the order's contact phone, or else its caller's first phone. Confidential orders (保密) are never sampled.
The surveys domain asks here rather than reading the work-order tables; what leaves is what a
survey may cut by, the order's id (so an answer can be traced to the order) and the number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.people.models import CareProfile
from hotline.people.sampling import first_phones
from hotline.workorders.calendar import LOCAL
from hotline.workorders.models import Category, WorkOrder
from hotline.workorders.states import State


@dataclass(frozen=True)
class ClosedOrderFilter:
    closed_from: date | None = None  # local days, both ends included
    closed_to: date | None = None
    category_id: int | None = None  # the category and every category under it
    district: str | None = None
    department_id: int | None = None


@dataclass(frozen=True)
class OrderFrameMember:
    work_order_id: int
    caller_id: int | None
    phone: str
    district: str
    age: int | None


def _subtree(session: Session, root: int) -> set[int]:
    tree: dict[int | None, list[int]] = {}
    for cid, parent in session.execute(select(Category.id, Category.parent_id)):
        tree.setdefault(parent, []).append(cid)
    found, todo = set(), [root]
    while todo:
        c = todo.pop()
        if c not in found:
            found.add(c)
            todo.extend(tree.get(c, []))
    return found


def closed_order_frame(session: Session, f: ClosedOrderFilter, limit: int) -> list[OrderFrameMember]:
    """Members for the orders matching `f`, latest closed first, at most `limit` (see the module doc)."""
    first = first_phones()
    q = (
        select(
            WorkOrder.id,
            WorkOrder.caller_id,
            WorkOrder.contact_phone,
            first.c.number,
            WorkOrder.district,
            CareProfile.age,
        )
        .outerjoin(first, first.c.caller_id == WorkOrder.caller_id)
        .outerjoin(CareProfile, CareProfile.caller_id == WorkOrder.caller_id)
        .where(
            WorkOrder.state == State.closed,
            WorkOrder.closed_at.is_not(None),
            WorkOrder.confidential.is_(False),
        )
    )
    if f.closed_from is not None:
        q = q.where(WorkOrder.closed_at >= _day_start(f.closed_from))
    if f.closed_to is not None:
        q = q.where(WorkOrder.closed_at < _day_start(f.closed_to + timedelta(days=1)))
    if f.category_id is not None:
        q = q.where(WorkOrder.category_id.in_(_subtree(session, f.category_id)))
    if f.district:
        q = q.where(WorkOrder.district == f.district)
    if f.department_id is not None:
        q = q.where(WorkOrder.department_id == f.department_id)
    members: list[OrderFrameMember] = []
    seen: set[str] = set()
    seen_callers: set[int] = set()
    # Read in pages, latest closed first: a person or a number met about several orders is asked
    # once, about the latest (a caller whose orders gave two contact phones is not invited twice),
    # and those seen are skipped without holding the whole period in memory.
    q = q.order_by(WorkOrder.closed_at.desc(), WorkOrder.id.desc())
    offset, page = 0, max(limit, 500)
    while len(members) < limit:
        rows = session.execute(q.offset(offset).limit(page)).all()
        for order_id, caller_id, contact, caller_phone, district, age in rows:
            phone = (contact or caller_phone or "").strip()
            if not phone or phone in seen or caller_id in seen_callers:
                continue
            seen.add(phone)
            if caller_id is not None:
                seen_callers.add(caller_id)
            members.append(OrderFrameMember(order_id, caller_id, phone, district or "", age))
            if len(members) >= limit:
                break
        if len(rows) < page:
            break
        offset += page
    return members


def order_numbers(session: Session, ids: set[int]) -> dict[int, str]:
    """The numbers (GD...) of the orders a survey's respondents were sampled from, for its exports."""
    out: dict[int, str] = {}
    todo = sorted(ids)
    for i in range(0, len(todo), 1000):
        chunk = todo[i : i + 1000]
        rows = session.execute(select(WorkOrder.id, WorkOrder.number).where(WorkOrder.id.in_(chunk)))
        out.update((order_id, number) for order_id, number in rows)
    return out


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), LOCAL)
