"""Creating, reading and changing work orders. Every write records the timeline, the audit log and
a bus event in the caller's transaction; state changes go through `lifecycle.act`.

`Who` is the acting principal reduced to what the domain needs (actor, permissions, department),
so jobs and channels can act without the web layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hotline.audit.service import SYSTEM, Actor, record, snapshot
from hotline.bus import get_bus
from hotline.errors import Conflict, Forbidden, Invalid, NotFound, stale_version
from hotline.people.models import Caller, Department
from hotline.people.permissions import PERMISSIONS
from hotline.store.base import utcnow
from hotline.store.db import after_commit
from hotline.workorders import search
from hotline.workorders.deadlines import TYPES, URGENCIES
from hotline.workorders.models import Category, WorkOrder, WorkOrderEvent, WorkOrderLink
from hotline.workorders.numbers import next_number


@dataclass(frozen=True)
class Who:
    actor: Actor
    permissions: frozenset[str]
    department_id: int | None = None

    @property
    def department_only(self) -> bool:
        """Department handlers see and act on their own department's orders only."""
        return "workorders.read" not in self.permissions

    @property
    def pii(self) -> bool:
        return "pii.read" in self.permissions


SYSTEM_WHO = Who(SYSTEM, frozenset(PERMISSIONS))


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


def flush(session: Session, order: WorkOrder) -> None:
    try:
        session.flush()
    except StaleDataError as exc:
        session.rollback()
        raise Conflict(
            f"work order {order.number} was changed by someone else meanwhile; reload it",
            f"工单 {order.number} 已被他人修改，请刷新后重试",
        ) from exc


def check_version(order: WorkOrder, version: int | None) -> None:
    if version is not None and version != order.version:
        raise stale_version(f"work order {order.number}", version, order.version)


def get_order(session: Session, who: Who, order_id: int, for_update: bool = False) -> WorkOrder:
    stmt = select(WorkOrder).where(WorkOrder.id == order_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    order = session.scalar(stmt)
    if order is None or (
        who.department_only and (who.department_id is None or order.department_id != who.department_id)
    ):
        # Another department's order does not exist for a department handler.
        raise NotFound(f"work order {order_id} not found", f"工单 {order_id} 不存在")
    return order


def timeline(
    session: Session,
    order: WorkOrder,
    actor: Actor,
    action: str,
    from_state: str | None,
    note: str | None = None,
    at: datetime | None = None,
) -> None:
    """One timeline entry, dated when the step happened (`at`: an action's `now`, e.g. demo data
    or a replayed import), not when the row happened to be written."""
    session.add(
        WorkOrderEvent(
            workorder_id=order.id,
            at=at or utcnow(),
            actor_id=actor.id,
            actor=actor.name,
            action=action,
            from_state=from_state,
            to_state=order.state,
            department_id=order.department_id,
            note=note,
        )
    )


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
    event = {
        "id": order.id,
        "number": order.number,
        "channel": order.channel,
        "call_ids": list(data.call_ids),
    }
    # Announced once committed (a call's recording marks it; nobody hears of an order rolled back).
    after_commit(session, lambda: get_bus().publish("workorder.created", event))
    if data.accept:
        from hotline.workorders.lifecycle import act

        act(session, who, order.id, "accept", order.version, now=now)
    return order


EDITABLE = ("title", "content", "district", "location", "category_id", "urgency", "confidential", "type")


def update(session: Session, who: Who, order_id: int, version: int, changes: dict[str, Any]) -> WorkOrder:
    order = get_order(session, who, order_id)
    check_version(order, version)
    if order.state in ("closed", "cancelled", "merged"):
        raise Conflict(f"work order {order.number} is {order.state}", "工单已结束，不能修改")
    before = snapshot(order)
    probe = NewOrder(
        type=changes.get("type", order.type),
        title="",
        content="",
        urgency=changes.get("urgency", order.urgency),
        category_id=changes.get("category_id", order.category_id),
    )
    _validate(session, probe)
    for key, value in changes.items():
        if key in EDITABLE:
            setattr(order, key, value)
    flush(session, order)
    if {"title", "content", "location"} & changes.keys():
        search.reindex(session, order)
    timeline(session, order, who.actor, "update", order.state, ", ".join(sorted(changes)))
    record(session, who.actor, "workorder.update", "workorder", order.id, before, snapshot(order))
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


def department_exists(session: Session, department_id: int) -> Department:
    dept = session.get(Department, department_id)
    if dept is None or not dept.active:
        raise Invalid(f"department {department_id} does not exist", "承办单位不存在")
    return dept


def contact_phones(session: Session, order: WorkOrder) -> list[str]:
    """Every number the citizen can be reached on: the order's own contact, then the caller's."""
    from hotline.people.service import caller_identity

    phones = [order.contact_phone] if order.contact_phone else []
    if order.caller_id is not None:
        phones += [n for n in caller_identity(session, order.caller_id)[1] if n not in phones]
    return phones
