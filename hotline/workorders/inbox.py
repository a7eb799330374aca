"""The console's notification bell: the work-order notifications a user should see (dispatch,
supervision, deadline warning, escalation, ...), newest first, with that user's own read marks.

Scope: a department handler sees their department's notifications; a supervisor sees the
center's (all departments); other roles have no feed. Read marks are per user
(`NotificationRead`), since a feed is shared by every handler of a department. Only the latest
`WINDOW` notifications count, so the unread count stays one bounded query however old the feed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, false, select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record
from hotline.masking import mask_text
from hotline.workorders.models import Notification, NotificationRead, WorkOrder
from hotline.workorders.service import Who

WINDOW = 200


@dataclass(frozen=True)
class Reader:
    user_id: int
    who: Who

    @property
    def has_feed(self) -> bool:
        return self.who.department_only or "workorders.supervise" in self.who.permissions


def _scope(reader: Reader) -> Select[Any]:
    stmt = select(Notification.id)
    if not reader.has_feed:
        return stmt.where(false())
    if reader.who.department_only:
        dept = reader.who.department_id
        stmt = stmt.where(Notification.department_id == dept if dept else false())
    return stmt


def _read_mark(reader: Reader) -> Any:
    return exists().where(
        NotificationRead.user_id == reader.user_id, NotificationRead.notification_id == Notification.id
    )


def feed(session: Session, reader: Reader, limit: int = 30) -> dict[str, Any]:
    """{"unread": n, "latest_id": id, "items": [...]}: newest first, each with order number and title."""
    window = _scope(reader).order_by(Notification.id.desc()).limit(WINDOW).subquery()
    unread_ids = session.scalars(
        select(window.c.id).where(
            ~exists().where(
                NotificationRead.user_id == reader.user_id, NotificationRead.notification_id == window.c.id
            )
        )
    ).all()
    rows = session.execute(
        select(Notification, WorkOrder.number, WorkOrder.title, WorkOrder.confidential, _read_mark(reader))
        .join(WorkOrder, WorkOrder.id == Notification.workorder_id)
        .where(Notification.id.in_(_scope(reader)))
        .order_by(Notification.id.desc())
        .limit(limit)
    ).all()
    items = [
        {
            "id": n.id,
            "workorder_id": n.workorder_id,
            "number": number,
            "title": title
            if reader.who.pii and not (confidential and reader.who.department_only)
            else mask_text(title),
            "kind": n.kind,
            "due_at": n.due_at,
            "created_at": n.created_at,
            "read": bool(read),
        }
        for n, number, title, confidential, read in rows
    ]
    return {"unread": len(unread_ids), "latest_id": items[0]["id"] if items else None, "items": items}


def mark_read(session: Session, reader: Reader, actor: Actor, ids: list[int] | None, now: datetime) -> int:
    """Mark `ids` (or, with None, every unread one in the window) read for this user; returns how
    many were newly marked. Ids outside the reader's scope are ignored, not an error."""
    window = select(_scope(reader).order_by(Notification.id.desc()).limit(WINDOW).subquery().c.id)
    stmt = select(Notification.id).where(Notification.id.in_(_scope(reader)), ~_read_mark(reader))
    stmt = (
        stmt.where(Notification.id.in_(ids)) if ids is not None else stmt.where(Notification.id.in_(window))
    )
    fresh = list(session.scalars(stmt))
    for nid in fresh:
        session.add(NotificationRead(user_id=reader.user_id, notification_id=nid, read_at=now))
    if fresh:
        record(
            session,
            actor,
            "workorder_notification.read",
            "workorder_notification",
            None,
            None,
            {"ids": fresh},
        )
    return len(fresh)


def notification_out(n: Notification) -> dict[str, Any]:
    return {
        "id": n.id, "workorder_id": n.workorder_id, "kind": n.kind, "department_id": n.department_id,
        "due_at": n.due_at, "created_at": n.created_at,
    }  # fmt: skip


def notifications(session: Session, limit: int, department_id: int | None = None) -> list[Notification]:
    """The latest notifications, newest first: all of them, or one department's (the portal)."""
    stmt = select(Notification)
    if department_id is not None:
        stmt = stmt.where(Notification.department_id == department_id)
    return list(session.scalars(stmt.order_by(Notification.id.desc()).limit(limit)))
