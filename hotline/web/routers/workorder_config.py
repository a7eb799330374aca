"""Work-order configuration over HTTP: categories, deadline policies, calendar overrides, and a
deadline sweep on demand. Same prefix as `workorders.py`; this module's name sorts before it, so
these literal paths are registered before its `/{order_id}` routes (routers load in name order)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.errors import Forbidden
from hotline.store.base import utcnow
from hotline.web.auth import Principal, authenticated, require
from hotline.web.deps import get_session
from hotline.workorders.deadlines import sweep_deadlines
from hotline.workorders.models import CalendarOverride, Category, DeadlinePolicy
from hotline.workorders.schemas import CalendarOverrideIn, CategoryIn, PolicyIn

router = APIRouter(prefix="/api/workorders", tags=["workorders"])


@router.post("/sweep", response_model=dict[str, int])
def run_sweep(
    _: Principal = Depends(require("workorders.admin")),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, int]:
    return sweep_deadlines(session, utcnow())


@router.get("/categories", response_model=list[dict[str, Any]])
def categories(
    p: Principal = Depends(authenticated),
    session: Session = Depends(get_session, scope="function"),
) -> list[dict[str, Any]]:
    """The category tree, for everyone who reads orders: the center and department handlers."""
    if not (p.can("workorders.read") or p.can("workorders.handle")):
        raise Forbidden(
            f"role {p.role.value} reads no work orders",
            "当前角色无 workorders.read 权限",
            permission="workorders.read",
        )
    rows = session.scalars(select(Category).where(Category.active).order_by(Category.code))
    return [
        {"id": c.id, "code": c.code, "name": c.name, "parent_id": c.parent_id,
         "default_department_id": c.default_department_id}
        for c in rows
    ]  # fmt: skip


@router.post("/categories", status_code=201, response_model=dict[str, Any])
def create_category(
    body: CategoryIn,
    p: Principal = Depends(require("workorders.admin")),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    from hotline.workorders.config import create_category as create

    c = create(session, p.actor, body.code, body.name, body.parent_id, body.default_department_id)
    return {"id": c.id, "code": c.code, "name": c.name, "parent_id": c.parent_id}


@router.get("/policies", response_model=list[dict[str, Any]])
def list_policies(
    _: Principal = Depends(require("workorders.admin")),
    session: Session = Depends(get_session, scope="function"),
) -> list[dict[str, Any]]:
    """Deadline policies (working days to receive, reply and close) per type and urgency."""
    rows = session.scalars(select(DeadlinePolicy).order_by(DeadlinePolicy.type, DeadlinePolicy.urgency))
    return [
        {"id": p.id, "type": p.type, "urgency": p.urgency, "receive_days": p.receive_days,
         "reply_days": p.reply_days, "close_days": p.close_days}
        for p in rows
    ]  # fmt: skip


@router.get("/calendar", response_model=list[dict[str, Any]])
def list_calendar_overrides(
    _: Principal = Depends(require("workorders.admin")),
    session: Session = Depends(get_session, scope="function"),
) -> list[dict[str, Any]]:
    """The center's own calendar changes (extra holidays or working days) on top of the official one."""
    rows = session.scalars(select(CalendarOverride).order_by(CalendarOverride.day))
    return [{"day": r.day.isoformat(), "workday": r.workday, "note": r.note} for r in rows]


@router.put("/policies", response_model=dict[str, Any])
def put_policy(
    body: PolicyIn,
    p: Principal = Depends(require("workorders.admin")),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    from hotline.workorders.config import set_policy

    pol: DeadlinePolicy = set_policy(session, p.actor, **body.model_dump())
    return {"id": pol.id, "type": pol.type, "urgency": pol.urgency}


@router.put("/calendar", response_model=dict[str, Any])
def put_calendar_override(
    body: CalendarOverrideIn,
    p: Principal = Depends(require("workorders.admin")),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    from hotline.workorders.config import set_calendar_override

    row: CalendarOverride = set_calendar_override(session, p.actor, body.day, body.workday, body.note)
    return {"day": row.day.isoformat(), "workday": row.workday}
