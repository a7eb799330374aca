"""One work order's shared primitives, below both `service.py` (create, update) and `lifecycle.py`
(actions): `Who`, the acting principal reduced to what the domain needs (actor, permissions,
department) so jobs and channels can act without the web layer; reading an order in the viewer's
scope; the version check and the flush that turns a concurrent change into a 409; a timeline entry;
an active department.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hotline.audit import writes as audit_writes
from hotline.audit.service import SYSTEM, Actor
from hotline.errors import Conflict, Invalid, NotFound
from hotline.people.models import Department
from hotline.people.permissions import PERMISSIONS
from hotline.store.base import utcnow
from hotline.workorders.models import WorkOrder, WorkOrderEvent


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
    audit_writes.check_version(order, version, f"work order {order.number}")


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


def department_exists(session: Session, department_id: int) -> Department:
    dept = session.get(Department, department_id)
    if dept is None or not dept.active:
        raise Invalid(f"department {department_id} does not exist", "承办单位不存在")
    return dept
