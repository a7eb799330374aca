"""Saved views: a user's own named work-order filters (`?view=<id>` on the list), audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record, snapshot
from hotline.errors import NotFound
from hotline.workorders.models import SavedView
from hotline.workorders.queries import Filters


def view_out(view: SavedView) -> dict[str, Any]:
    return {"id": view.id, "name": view.name, "filters": view.filters}


def list_views(session: Session, user_id: int) -> list[SavedView]:
    return list(session.scalars(select(SavedView).where(SavedView.user_id == user_id).order_by(SavedView.id)))


def get_view(session: Session, user_id: int, view_id: int) -> SavedView:
    """One of the user's own views; anyone else's does not exist for them."""
    view = session.get(SavedView, view_id)
    if view is None or view.user_id != user_id:
        raise NotFound(f"saved view {view_id} not found", "视图不存在")
    return view


def create_view(
    session: Session, actor: Actor, user_id: int, name: str, filters: dict[str, Any]
) -> SavedView:
    view = SavedView(user_id=user_id, name=name, filters=Filters.from_json(filters).as_json())
    session.add(view)
    session.flush()
    record(session, actor, "workorder_view.create", "workorder_view", view.id, None, snapshot(view))
    return view


def delete_view(session: Session, actor: Actor, user_id: int, view_id: int) -> None:
    view = get_view(session, user_id, view_id)
    record(session, actor, "workorder_view.delete", "workorder_view", view.id, snapshot(view), None)
    session.delete(view)


def with_view(session: Session, user_id: int, f: Filters) -> Filters:
    """The filters with the saved view `f.view` (if any) underneath: the URL's own filters win."""
    if f.view is None:
        return f
    view = get_view(session, user_id, f.view)
    return Filters.from_json({**view.filters, **f.as_json()})
