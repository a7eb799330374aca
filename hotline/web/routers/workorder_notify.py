"""Work-order notifications by mail and SMS over HTTP: a user's own 通知设置, an administrator's
view of anyone's, and the delivery outbox (read with `channels.read`, retried with
`workorders.admin`). Thin: the work is in `hotline.workorders.notify_prefs` and
`hotline.channels.notify_out`. Its name sorts before `workorders.py`, so these literal paths come
before `/{order_id}`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from hotline.channels import notify_out
from hotline.web.auth import Principal, require
from hotline.web.deps import IdPath, PrincipalDep, SessionDep
from hotline.workorders import notify_prefs
from hotline.workorders.notify_prefs import NotifyPrefsIn

router = APIRouter(prefix="/api/workorders/notify", tags=["workorders"])

UserAdmin = Annotated[Principal, Depends(require("users.write"))]
Operator = Annotated[Principal, Depends(require("workorders.admin"))]
ChannelReader = Annotated[Principal, Depends(require("channels.read"))]


@router.get("/settings", response_model=dict[str, Any])
def my_settings(p: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    """The signed-in user's own settings (`has_feed` false: their role gets no notifications)."""
    return notify_prefs.read(session, p.user_id)


@router.put("/settings", response_model=dict[str, Any])
def put_my_settings(body: NotifyPrefsIn, p: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    """Replace the user's own settings: mail/SMS per notification kind, addresses, quiet hours."""
    return notify_prefs.update(session, p.actor, p.user_id, body)


@router.get("/settings/{user_id}", response_model=dict[str, Any])
def user_settings(user_id: IdPath, _: UserAdmin, session: SessionDep) -> dict[str, Any]:
    return notify_prefs.read(session, user_id)


@router.put("/settings/{user_id}", response_model=dict[str, Any])
def put_user_settings(
    user_id: IdPath, body: NotifyPrefsIn, p: UserAdmin, session: SessionDep
) -> dict[str, Any]:
    """An administrator sets a user's notifications for them (audited under the admin's name)."""
    return notify_prefs.update(session, p.actor, user_id, body)


@router.get("/deliveries", response_model=list[dict[str, Any]])
def deliveries(
    _: ChannelReader,
    session: SessionDep,
    status: str | None = Query(None, max_length=16),
    before: int | None = Query(None, ge=1, le=2**31 - 1, description="the last id of the page shown"),
    limit: int = Query(20, ge=1, le=200),
) -> list[dict[str, Any]]:
    """The mail/SMS notification deliveries, newest first, a page at a time (addresses masked);
    read on the 渠道收发 page with the other outboxes."""
    return notify_out.page(session, status, before, limit)


@router.post("/deliveries/{delivery_id}/retry", response_model=dict[str, Any])
def retry_delivery(delivery_id: IdPath, p: Operator, session: SessionDep) -> dict[str, Any]:
    """Send a dead, unknown or failed delivery again on the next run."""
    return notify_out.retry(session, p.actor, delivery_id)
