"""What the console reads of items: pages by id (newest first) filtered by source, risk, group or
text, one item with its near-duplicate group, and the groups by spread."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hotline.errors import NotFound
from hotline.opinion.models import OpinionGroup, OpinionItem, OpinionSource


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def view(item: OpinionItem, source_name: str | None = None, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": item.id,
        "source_id": item.source_id,
        "source": source_name,
        "url": item.url,
        "title": item.title,
        "excerpt": item.text[:160],
        "published_at": _iso(item.published_at),
        "fetched_at": _iso(item.fetched_at),
        "encoding": item.encoding,
        "encoding_flag": item.encoding_flag,
        "group_id": item.group_id,
        "duplicate": item.duplicate,
        "negative": round(item.negative, 3),
        "risk": item.risk,
        "risk_terms": item.risk_terms or [],
        "rule_ids": item.rule_ids or [],
        "state": item.state,
    }
    if full:
        out["text"] = item.text
    return out


def page(
    session: Session,
    *,
    source_id: int | None = None,
    group_id: int | None = None,
    min_risk: float | None = None,
    rule_id: int | None = None,
    q: str | None = None,
    originals_only: bool = False,
    before: int | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    stmt = select(OpinionItem, OpinionSource.name).join(
        OpinionSource, OpinionSource.id == OpinionItem.source_id
    )
    if source_id is not None:
        stmt = stmt.where(OpinionItem.source_id == source_id)
    if group_id is not None:
        stmt = stmt.where(OpinionItem.group_id == group_id)
    if min_risk is not None:
        stmt = stmt.where(OpinionItem.risk >= min_risk)
    if originals_only:
        stmt = stmt.where(OpinionItem.duplicate.is_(False))
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(OpinionItem.title.like(like), OpinionItem.text.like(like)))
    if before is not None:
        stmt = stmt.where(OpinionItem.id < before)
    rows = session.execute(stmt.order_by(OpinionItem.id.desc()).limit(limit * 4 if rule_id else limit)).all()
    out = [view(item, name) for item, name in rows if rule_id is None or rule_id in (item.rule_ids or [])]
    return out[:limit]


def get(session: Session, item_id: int) -> OpinionItem:
    item = session.get(OpinionItem, item_id)
    if item is None:
        raise NotFound("item not found", "舆情信息不存在")
    return item


def one(session: Session, item_id: int) -> dict[str, Any]:
    item = get(session, item_id)
    src = session.get(OpinionSource, item.source_id)
    out = view(item, src.name if src else None, full=True)
    out["group"] = group_view(session, item.group_id) if item.group_id else None
    return out


def group_view(session: Session, group_id: int) -> dict[str, Any] | None:
    group = session.get(OpinionGroup, group_id)
    if group is None:
        return None
    members = session.execute(
        select(OpinionItem.id, OpinionItem.title, OpinionItem.url, OpinionSource.name, OpinionItem.fetched_at)
        .join(OpinionSource, OpinionSource.id == OpinionItem.source_id)
        .where(OpinionItem.group_id == group_id)
        .order_by(OpinionItem.id)
        .limit(100)
    ).all()
    return {
        "id": group.id,
        "title": group.title,
        "size": group.size,
        "first_item_id": group.first_item_id,
        "first_seen": _iso(group.first_seen),
        "last_seen": _iso(group.last_seen),
        "members": [
            {"id": i, "title": t, "url": u, "source": n, "fetched_at": _iso(at)} for i, t, u, n, at in members
        ],
    }


def groups(session: Session, limit: int = 50, min_size: int = 1) -> list[dict[str, Any]]:
    rows = session.execute(
        select(OpinionGroup, func.max(OpinionItem.risk))
        .join(OpinionItem, OpinionItem.group_id == OpinionGroup.id)
        .where(OpinionGroup.size >= min_size)
        .group_by(OpinionGroup.id)
        .order_by(OpinionGroup.last_seen.desc(), OpinionGroup.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": g.id,
            "title": g.title,
            "size": g.size,
            "first_item_id": g.first_item_id,
            "first_seen": _iso(g.first_seen),
            "last_seen": _iso(g.last_seen),
            "risk": risk or 0.0,
        }
        for g, risk in rows
    ]
