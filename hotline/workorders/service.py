"""Creating, reading and changing work orders. Every write records the timeline, the audit log and
a bus event in the caller's transaction; state changes go through `lifecycle.act`.

`Who` (the acting principal) and the primitives every write shares live in `orders.py`, below both
this module and `lifecycle.py`; they are re-exported here for the callers that import them from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.service import record, snapshot
from hotline.audit.writes import audited_update
from hotline.bus import publish_on_commit
from hotline.errors import Conflict, Forbidden, Invalid
from hotline.people.models import Caller
from hotline.store.base import utcnow
from hotline.workorders import search
from hotline.workorders.deadlines import TYPES, URGENCIES
from hotline.workorders.lifecycle import act
from hotline.workorders.models import Category, WorkOrder, WorkOrderEvent, WorkOrderLink
from hotline.workorders.numbers import next_number
from hotline.workorders.orders import SYSTEM_WHO as SYSTEM_WHO
from hotline.workorders.orders import Who as Who
from hotline.workorders.orders import check_version as check_version
from hotline.workorders.orders import department_exists as department_exists
from hotline.workorders.orders import flush as flush
from hotline.workorders.orders import get_order as get_order
from hotline.workorders.orders import timeline as timeline
from hotline.workorders.topics import WorkOrderCreated


@dataclass
class NewOrder:
    type: str
    title: str
    content: str
    urgency: str = "normal"
    channel: str = "phone"
    category_id: int | None = None
    caller_id: int | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_address: str | None = None
    district: str | None = None
    location: str | None = None
    confidential: bool = False
    call_ids: list[str] = field(default_factory=list)
    recording_ids: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    accept: bool = True


def _validate(session: Session, data: NewOrder) -> None:
    if data.type not in TYPES:
        raise Invalid(f"unknown type {data.type!r}; use one of {', '.join(TYPES)}", "工单类型无效")
    if data.urgency not in URGENCIES:
        raise Invalid(f"unknown urgency {data.urgency!r}", "紧急程度无效")
    if data.category_id is not None and session.get(Category, data.category_id) is None:
        raise Invalid(f"category {data.category_id} does not exist", "分类不存在")
    if data.caller_id is not None and session.get(Caller, data.caller_id) is None:
        raise Invalid(f"caller {data.caller_id} does not exist", "来电人不存在")


def create(session: Session, who: Who, data: NewOrder, now: datetime | None = None) -> WorkOrder:
    """A new order (accepted at once unless `data.accept` is false: channels make drafts)."""
    from hotline.workorders.assist import find_duplicate

    _validate(session, data)
    now = now or utcnow()
    order = WorkOrder(
        number=next_number(session, now),
        type=data.type,
        state="draft",
        urgency=data.urgency,
        channel=data.channel,
        category_id=data.category_id,
        caller_id=data.caller_id,
        contact_name=data.contact_name,
        contact_phone=data.contact_phone,
        contact_address=data.contact_address,
        title=data.title,
        content=data.content,
        district=data.district,
        location=data.location,
        confidential=data.confidential,
        first_contact_owner_id=who.actor.id,
        created_at=now,
        updated_at=now,
    )
    order.duplicate_of_id = find_duplicate(session, order, now)
    session.add(order)
    flush(session, order)
    for kind, refs in (
        ("call", data.call_ids),
        ("recording", data.recording_ids),
        ("attachment", data.attachments),
    ):
        for ref in refs:
            session.add(WorkOrderLink(workorder_id=order.id, kind=kind, ref=ref))
    search.reindex(session, order)
    timeline(session, order, who.actor, "create", None, at=now)
    record(session, who.actor, "workorder.create", "workorder", order.id, None, snapshot(order))
    # Announced once committed (a call's recording marks it; nobody hears of an order rolled back).
    event = WorkOrderCreated(
        id=order.id,
        number=order.number,
        channel=order.channel,
        call_ids=list(data.call_ids),
        type=order.type,
    )
    publish_on_commit(session, event)
    if data.accept:
        act(session, who, order.id, "accept", order.version, now=now)
    return order


EDITABLE = ("title", "content", "district", "location", "category_id", "urgency", "confidential", "type")


def update(session: Session, who: Who, order_id: int, version: int, changes: dict[str, Any]) -> WorkOrder:
    order = get_order(session, who, order_id)
    what = f"work order {order.number}"
    with audited_update(
        session,
        who.actor,
        order,
        version,
        what,
        "workorder",
        "workorder.update",
        flush=lambda: flush(session, order),
    ) as edit:
        if order.state in ("closed", "cancelled", "merged"):
            raise Conflict(f"work order {order.number} is {order.state}", "工单已结束，不能修改")
        probe = NewOrder(
            type=changes.get("type", order.type),
            title="",
            content="",
            urgency=changes.get("urgency", order.urgency),
            category_id=changes.get("category_id", order.category_id),
        )
        _validate(session, probe)
        edit.apply({k: v for k, v in changes.items() if k in EDITABLE})
    if {"title", "content", "location"} & changes.keys():
        search.reindex(session, order)
    timeline(session, order, who.actor, "update", order.state, ", ".join(sorted(changes)))
    return order


def link(
    session: Session, who: Who, order_id: int, kind: str, ref: str, label: str | None = None
) -> WorkOrderLink:
    if kind not in ("call", "recording", "attachment", "inbound"):
        raise Invalid(f"unknown link kind {kind!r}", "关联类型无效")
    order = get_order(session, who, order_id)
    row = WorkOrderLink(workorder_id=order.id, kind=kind, ref=ref, label=label)
    session.add(row)
    timeline(session, order, who.actor, "link", order.state, f"{kind}:{ref}")
    record(session, who.actor, "workorder.link", "workorder", order.id, None, {"kind": kind, "ref": ref})
    return row


def history(session: Session, order: WorkOrder) -> tuple[list[WorkOrderEvent], list[WorkOrderLink]]:
    """The order's timeline and links, oldest first (the detail view)."""
    events = session.scalars(
        select(WorkOrderEvent).where(WorkOrderEvent.workorder_id == order.id).order_by(WorkOrderEvent.id)
    )
    links = session.scalars(
        select(WorkOrderLink).where(WorkOrderLink.workorder_id == order.id).order_by(WorkOrderLink.id)
    )
    return list(events), list(links)


def reveal_contact(session: Session, who: Who, order_id: int) -> tuple[WorkOrder, list[str]]:
    """The citizen's phone numbers in full for a department handler, audited (who, which order; not
    the numbers); never for a confidential order, whose caller identity departments do not see."""
    order = get_order(session, who, order_id)
    if who.department_only and order.confidential:
        raise Forbidden(
            f"work order {order.number} is confidential: the caller's identity is not shown to departments",
            "保密工单，不向承办单位显示来电人信息",
        )
    phones = contact_phones(session, order)
    record(
        session, who.actor, "workorder.contact_reveal", "workorder", order.id, None,
        {"number": order.number, "phones": len(phones)},
    )  # fmt: skip
    return order, phones


def contact_phones(session: Session, order: WorkOrder) -> list[str]:
    """Every number the citizen can be reached on: the order's own contact, then the caller's."""
    from hotline.people.service import caller_identity

    phones = [order.contact_phone] if order.contact_phone else []
    if order.caller_id is not None:
        phones += [n for n in caller_identity(session, order.caller_id)[1] if n not in phones]
    return phones
