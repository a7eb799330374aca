"""The work-order desk over HTTP: overview counts per bucket (`GET /api/workorders/overview`), the
notification bell (`/api/workorders/inbox`), and the citizen's phone revealed on request for a
department handler (audited). Its name sorts before `workorders.py`, so these literal paths are
registered before `/{order_id}`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import Field
from sqlalchemy.orm import Session

from hotline.audit.service import record
from hotline.errors import Forbidden
from hotline.schemas import StrictIn
from hotline.store.base import utcnow
from hotline.web.auth import Principal, authenticated, require
from hotline.web.deps import get_session
from hotline.web.routers.workorders import who_of
from hotline.workorders import inbox, overview, service
from hotline.workorders.schemas import hide_identity

router = APIRouter(prefix="/api/workorders", tags=["workorders"])


def _scoped(p: Principal) -> service.Who:
    """The viewer as the list sees them: a handler (no workorders.read) is department-scoped."""
    return who_of(p)


@router.get("/overview", response_model=dict[str, int])
def overview_counts(
    p: Principal = Depends(authenticated),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, int]:
    """Counts per overview bucket in the viewer's scope (department handler: their department's
    desk; the center: the supervision desk). Each bucket is also the list filter `bucket=`."""
    if not (p.can("workorders.read") or p.can("workorders.handle")):
        raise Forbidden(
            f"role {p.role.value} reads no work orders", "当前角色无权查看工单", permission="workorders.read"
        )
    return overview.counts(session, _scoped(p), utcnow())


@router.get("/inbox", response_model=dict[str, Any])
def inbox_feed(
    limit: int = Query(30, ge=1, le=100),
    p: Principal = Depends(authenticated),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """The bell: the department's (handler) or the center's (supervisor) notifications, newest
    first, with this user's unread count; other roles get an empty feed."""
    return inbox.feed(session, inbox.Reader(p.user_id, _scoped(p)), limit)


class ReadIn(StrictIn):
    ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] | None = Field(
        None, max_length=500, description="omit to mark all as read"
    )


@router.post("/inbox/read", response_model=dict[str, int])
def inbox_read(
    body: ReadIn,
    p: Principal = Depends(authenticated),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, int]:
    n = inbox.mark_read(session, inbox.Reader(p.user_id, _scoped(p)), p.actor, body.ids, utcnow())
    return {"marked": n}


@router.post("/portal/{order_id}/contact", response_model=dict[str, Any])
def reveal_contact(
    order_id: int,
    p: Principal = Depends(require("workorders.handle")),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """The citizen's phone numbers in full, for a handler who must verify the case or call back:
    only on request, only for their department's orders, never for a confidential one, and each
    reveal is in the audit log (who, which order; not the number itself)."""
    w = service.Who(p.actor, p.permissions - {"workorders.read"}, p.department_id)
    order = service.get_order(session, w, order_id)
    if hide_identity(order, w):
        raise Forbidden(
            f"work order {order.number} is confidential: the caller's identity is not shown to departments",
            "保密工单，不向承办单位显示来电人信息",
        )
    phones = service.contact_phones(session, order)
    record(
        session, p.actor, "workorder.contact_reveal", "workorder", order.id, None,
        {"number": order.number, "phones": len(phones)},
    )  # fmt: skip
    return {"workorder_id": order.id, "phones": phones}
