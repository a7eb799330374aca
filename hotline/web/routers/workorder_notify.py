"""Work-order notifications by mail and SMS over HTTP: a user's own 通知设置, an administrator's
view of anyone's, and the delivery outbox for operators (list, retry). Thin: the work is in
`hotline.workorders.notify_prefs` and `notify_out`. Its name sorts before `workorders.py`, so
these literal paths come before `/{order_id}`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from hotline.errors import Conflict
from hotline.people import service as people
from hotline.web.auth import Principal, authenticated, require
from hotline.web.deps import IdPath, get_session
from hotline.workorders import notify_out, notify_prefs
from hotline.workorders.notify_prefs import NotifyPrefsIn

router = APIRouter(prefix="/api/workorders/notify", tags=["workorders"])


def _put(session: Session, p: Principal, user_id: int, body: NotifyPrefsIn) -> dict[str, Any]:
    user = people.get_user(session, user_id)
    if not notify_prefs.has_feed(user):
        raise Conflict(
            f"role {user.role} gets no work-order notifications",
            "该用户的角色不接收工单通知（仅承办单位和班长座席/管理员接收）",
        )
    return notify_prefs.put(session, p.actor, user, body)


@router.get("/settings", response_model=dict[str, Any])
def my_settings(
    p: Principal = Depends(authenticated),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """The signed-in user's own settings (`has_feed` false: their role gets no notifications)."""
    return notify_prefs.get(session, people.get_user(session, p.user_id))


@router.put("/settings", response_model=dict[str, Any])
def put_my_settings(
    body: NotifyPrefsIn,
    p: Principal = Depends(authenticated),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """Replace the user's own settings: mail/SMS per notification kind, addresses, quiet hours."""
    return _put(session, p, p.user_id, body)


@router.get("/settings/{user_id}", response_model=dict[str, Any])
def user_settings(
    user_id: IdPath,
    _: Principal = Depends(require("users.write")),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    return notify_prefs.get(session, people.get_user(session, user_id))


@router.put("/settings/{user_id}", response_model=dict[str, Any])
def put_user_settings(
    user_id: IdPath,
    body: NotifyPrefsIn,
    p: Principal = Depends(require("users.write")),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """An administrator sets a user's notifications for them (audited under the admin's name)."""
    return _put(session, p, user_id, body)


@router.get("/deliveries", response_model=dict[str, Any])
def deliveries(
    status: str | None = Query(None, max_length=16),
    limit: int = Query(50, ge=1, le=200),
    _: Principal = Depends(require("workorders.admin")),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """The newest mail/SMS notification deliveries (addresses masked) and counts per status."""
    return {"counts": notify_out.counts(session), "items": notify_out.listing(session, status, limit)}


@router.post("/deliveries/{delivery_id}/retry", response_model=dict[str, Any])
def retry_delivery(
    delivery_id: IdPath,
    p: Principal = Depends(require("workorders.admin")),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, Any]:
    """Send a dead, unknown or failed delivery again on the next run."""
    return notify_out.retry(session, p.actor, delivery_id)
