"""Shared helpers for work-order tests: principals per role and orders forced into a state."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from hotline.audit.service import Actor
from hotline.people.permissions import ROLE_PERMISSIONS, Role
from hotline.store.base import utcnow
from hotline.workorders.models import ExtensionRequest, WorkOrder
from hotline.workorders.service import SYSTEM_WHO, NewOrder, Who, create


def who(role: str, department_id: int | None = 1) -> Who:
    r = Role(role)
    return Who(
        Actor(None, role), ROLE_PERMISSIONS[r], department_id if r is Role.department_handler else None
    )


def new_order(session: Session, text: str = "老人申请居家养老服务补贴", **kw: object) -> WorkOrder:
    data = NewOrder(type="help_request", title=text[:20], content=text, **kw)  # type: ignore[arg-type]
    return create(session, SYSTEM_WHO, data)


def forced(session: Session, state: str, pending_extension: bool = False) -> WorkOrder:
    """An order put straight into `state` (department D1, clocks in the future)."""
    order = new_order(session, f"强制状态 {state} 测试工单内容")
    now = utcnow()
    order.state = state
    order.department_id = 1
    order.receive_due_at = now + timedelta(days=1)
    order.reply_due_at = now + timedelta(days=5)
    order.close_due_at = now + timedelta(days=7)
    if pending_extension:
        order.extension_pending = True
        session.add(ExtensionRequest(workorder_id=order.id, days=2, reason="调查"))
    session.flush()
    return order
