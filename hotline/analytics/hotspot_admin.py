"""What analysts do with hotspots: list them, rename, merge one into another (its orders,
districts, trend and examples join the target), dismiss; each write audited. Also the daily job
that detects today's and yesterday's hotspots."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.analytics import hotspots, textterms
from hotline.analytics.daytypes import LOCAL
from hotline.analytics.models import Hotspot
from hotline.audit.service import Actor, record
from hotline.errors import Conflict, Invalid, NotFound
from hotline.store.base import utcnow
from hotline.store.db import Database

STATUSES = ("open", "dismissed", "merged")


def out(h: Hotspot) -> dict[str, Any]:
    return {
        "id": h.id,
        "kind": h.kind,
        "status": h.status,
        "name": h.name,
        "terms": list(h.terms or []),
        "category_id": h.category_id,
        "district": h.district,
        "first_day": h.first_day.isoformat(),
        "last_day": h.last_day.isoformat(),
        "orders": h.orders,
        "baseline": h.baseline,
        "p_value": h.p_value,
        "districts": dict(h.districts or {}),
        "trend": dict(h.trend or {}),
        "examples": list(h.examples or []),
        "merged_into_id": h.merged_into_id,
    }


def listing(session: Session, status: str | None, since: date | None, limit: int) -> list[dict[str, Any]]:
    if status is not None and status not in STATUSES:
        raise Invalid(f"unknown status {status!r}", f"未知的热点状态 {status}", field="status")
    stmt = select(Hotspot).order_by(Hotspot.last_day.desc(), Hotspot.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(Hotspot.status == status)
    if since is not None:
        stmt = stmt.where(Hotspot.last_day >= since)
    return [out(h) for h in session.scalars(stmt)]


def _open(session: Session, hotspot_id: int) -> Hotspot:
    h = session.get(Hotspot, hotspot_id)
    if h is None:
        raise NotFound(f"no hotspot {hotspot_id}", f"热点 {hotspot_id} 不存在")
    if h.status != "open":
        raise Conflict(
            f"hotspot {hotspot_id} is {h.status}",
            f"热点 {hotspot_id} 已{'忽略' if h.status == 'dismissed' else '合并'}",
        )
    return h


def rename(session: Session, actor: Actor, hotspot_id: int, name: str) -> dict[str, Any]:
    h = _open(session, hotspot_id)
    before = {"name": h.name}
    h.name, h.updated_at = name, utcnow()
    record(session, actor, "hotspot.rename", "analytics_hotspot", h.id, before=before, after={"name": name})
    return out(h)


def dismiss(session: Session, actor: Actor, hotspot_id: int) -> dict[str, Any]:
    h = _open(session, hotspot_id)
    h.status, h.updated_at = "dismissed", utcnow()
    record(
        session,
        actor,
        "hotspot.dismiss",
        "analytics_hotspot",
        h.id,
        before={"status": "open"},
        after={"status": "dismissed"},
    )
    return out(h)


def merge(session: Session, actor: Actor, hotspot_id: int, into_id: int) -> dict[str, Any]:
    if hotspot_id == into_id:
        raise Invalid("a hotspot cannot merge into itself", "不能合并到自身", field="into_id")
    source, target = _open(session, hotspot_id), _open(session, into_id)
    target.orders += source.orders
    target.districts = dict(Counter(target.districts or {}) + Counter(source.districts or {}))
    target.trend = dict(Counter(target.trend or {}) + Counter(source.trend or {}))
    target.examples = sorted({*(target.examples or []), *(source.examples or [])})[:10]
    target.terms = list(dict.fromkeys([*(target.terms or []), *(source.terms or [])]))[:8]
    target.first_day, target.last_day = (
        min(target.first_day, source.first_day),
        max(target.last_day, source.last_day),
    )
    source.status, source.merged_into_id = "merged", target.id
    source.updated_at = target.updated_at = utcnow()
    record(
        session, actor, "hotspot.merge", "analytics_hotspot", source.id, after={"merged_into_id": target.id}
    )
    return out(target)


def job(db: Database, now: datetime) -> None:
    """Detect yesterday's (complete now) and today's hotspots so far."""
    today = now.astimezone(LOCAL).date()
    cache = textterms.TokenCache()
    for day in (today - timedelta(days=1), today):
        with db.session() as s:
            hotspots.detect(s, day, cache)
