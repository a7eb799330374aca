"""Work-order configuration over HTTP: categories, deadline policies, calendar overrides, and a
deadline sweep on demand. Same prefix as `workorders.py`; this module's name sorts before it, so
these literal paths are registered before its `/{order_id}` routes (routers load in name order)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from hotline.errors import Forbidden
from hotline.store.base import utcnow
from hotline.web.auth import Principal, require
from hotline.web.deps import PrincipalDep, SessionDep
from hotline.workorders import config
from hotline.workorders.deadlines import sweep_deadlines
from hotline.workorders.models import CalendarOverride, DeadlinePolicy
from hotline.workorders.schemas import CalendarOverrideIn, CategoryIn, PolicyIn

router = APIRouter(prefix="/api/workorders", tags=["workorders"])

Admin = Annotated[Principal, Depends(require("workorders.admin"))]


@router.post("/sweep", response_model=dict[str, int])
def run_sweep(_: Admin, session: SessionDep) -> dict[str, int]:
    return sweep_deadlines(session, utcnow())


@router.get("/categories", response_model=list[dict[str, Any]])
def categories(p: PrincipalDep, session: SessionDep) -> list[dict[str, Any]]:
    """The category tree, for everyone who reads orders: the center and department handlers."""
    if not (p.can("workorders.read") or p.can("workorders.handle")):
        raise Forbidden(
            f"role {p.role.value} reads no work orders",
            "当前角色无 workorders.read 权限",
            permission="workorders.read",
        )
    return [
        {"id": c.id, "code": c.code, "name": c.name, "parent_id": c.parent_id,
         "default_department_id": c.default_department_id}
        for c in config.categories(session)
    ]  # fmt: skip


@router.post("/categories", status_code=201, response_model=dict[str, Any])
def create_category(body: CategoryIn, p: Admin, session: SessionDep) -> dict[str, Any]:
    c = config.create_category(
        session, p.actor, body.code, body.name, body.parent_id, body.default_department_id
    )
    return {"id": c.id, "code": c.code, "name": c.name, "parent_id": c.parent_id}


@router.get("/policies", response_model=list[dict[str, Any]])
def list_policies(_: Admin, session: SessionDep) -> list[dict[str, Any]]:
    """Deadline policies (working days to receive, reply and close) per type and urgency."""
    return [
        {"id": p.id, "type": p.type, "urgency": p.urgency, "receive_days": p.receive_days,
         "reply_days": p.reply_days, "close_days": p.close_days}
        for p in config.policies(session)
    ]  # fmt: skip


@router.get("/calendar", response_model=list[dict[str, Any]])
def list_calendar_overrides(_: Admin, session: SessionDep) -> list[dict[str, Any]]:
    """The center's own calendar changes (extra holidays or working days) on top of the official one."""
    rows = config.calendar_overrides(session)
    return [{"day": r.day.isoformat(), "workday": r.workday, "note": r.note} for r in rows]


@router.put("/policies", response_model=dict[str, Any])
def put_policy(body: PolicyIn, p: Admin, session: SessionDep) -> dict[str, Any]:
    pol: DeadlinePolicy = config.set_policy(session, p.actor, **body.model_dump())
    return {"id": pol.id, "type": pol.type, "urgency": pol.urgency}


@router.put("/calendar", response_model=dict[str, Any])
def put_calendar_override(body: CalendarOverrideIn, p: Admin, session: SessionDep) -> dict[str, Any]:
    row: CalendarOverride = config.set_calendar_override(session, p.actor, body.day, body.workday, body.note)
    return {"day": row.day.isoformat(), "workday": row.workday}
