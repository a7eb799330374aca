"""The work-order desk over HTTP: overview counts per bucket (`GET /api/workorders/overview`), the
notification bell (`/api/workorders/inbox`), and the citizen's phone revealed on request for a
department handler (audited). Its name sorts before `workorders.py`, so these literal paths are
registered before `/{order_id}`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from hotline.errors import Forbidden
from hotline.schemas import StrictIn
from hotline.store.base import utcnow
from hotline.web.auth import Principal
from hotline.web.deps import PrincipalDep, SessionDep
from hotline.web.routers.workorders import Handler, portal_who, who_of
from hotline.workorders import inbox, overview, service

router = APIRouter(prefix="/api/workorders", tags=["workorders"])


def _scoped(p: Principal) -> service.Who:
    """The viewer as the list sees them: a handler (no workorders.read) is department-scoped."""
    return who_of(p)


@router.get("/overview", response_model=dict[str, int])
def overview_counts(p: PrincipalDep, session: SessionDep) -> dict[str, int]:
    """Counts per overview bucket in the viewer's scope (department handler: their department's
    desk; the center: the supervision desk). Each bucket is also the list filter `bucket=`."""
    if not (p.can("workorders.read") or p.can("workorders.handle")):
        raise Forbidden(
            f"role {p.role.value} reads no work orders", "当前角色无权查看工单", permission="workorders.read"
        )
    return overview.counts(session, _scoped(p), utcnow())


@router.get("/inbox", response_model=dict[str, Any])
def inbox_feed(p: PrincipalDep, session: SessionDep, limit: int = Query(30, ge=1, le=100)) -> dict[str, Any]:
    """The bell: the department's (handler) or the center's (supervisor) notifications, newest
    first, with this user's unread count; other roles get an empty feed."""
    return inbox.feed(session, inbox.Reader(p.user_id, _scoped(p)), limit)


class ReadIn(StrictIn):
    ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] | None = Field(
        None, max_length=500, description="omit to mark all as read"
    )


@router.post("/inbox/read", response_model=dict[str, int])
def inbox_read(body: ReadIn, p: PrincipalDep, session: SessionDep) -> dict[str, int]:
    n = inbox.mark_read(session, inbox.Reader(p.user_id, _scoped(p)), p.actor, body.ids, utcnow())
    return {"marked": n}


@router.post("/portal/{order_id}/contact", response_model=dict[str, Any])
def reveal_contact(order_id: int, p: Handler, session: SessionDep) -> dict[str, Any]:
    """The citizen's phone numbers in full, for a handler who must verify the case or call back:
    only on request, only for their department's orders, never for a confidential one, and each
    reveal is in the audit log (who, which order; not the number itself)."""
    order, phones = service.reveal_contact(session, portal_who(p), order_id)
    return {"workorder_id": order.id, "phones": phones}
