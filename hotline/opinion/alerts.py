"""Alerts for the people on duty: one per story (near-duplicate group) once an item of it reaches
the high-risk line, raised in the processing transaction (audited as the system, announced on the
bus after commit), listed open first in the console's bell and acknowledged by a supervisor or
analyst; a later, riskier copy raises the alert's risk instead of a second alert."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.service import SYSTEM, Actor, record
from hotline.bus import publish_on_commit
from hotline.errors import NotFound
from hotline.opinion.models import OpinionAlert, OpinionItem
from hotline.opinion.topics import OpinionAlertRaised
from hotline.store.base import utcnow


def raise_for(session: Session, item: OpinionItem, now: datetime) -> OpinionAlert | None:
    """The new alert, or None when the story already has one (its risk kept at the highest)."""
    assert item.group_id is not None
    existing = session.scalar(select(OpinionAlert).where(OpinionAlert.group_id == item.group_id))
    if existing is not None:
        existing.risk = max(existing.risk, item.risk)
        return None
    alert = OpinionAlert(
        group_id=item.group_id, item_id=item.id, risk=item.risk, title=item.title, raised_at=now
    )
    session.add(alert)
    session.flush()
    record(
        session,
        SYSTEM,
        "opinion.alert_raise",
        "opinion_alert",
        alert.id,
        after={"item_id": item.id, "risk": item.risk},
    )
    publish_on_commit(
        session,
        OpinionAlertRaised(
            alert_id=alert.id, group_id=item.group_id, item_id=item.id, risk=item.risk, title=item.title
        ),
    )
    return alert


def view(a: OpinionAlert) -> dict[str, Any]:
    return {
        "id": a.id,
        "group_id": a.group_id,
        "item_id": a.item_id,
        "risk": a.risk,
        "title": a.title,
        "raised_at": a.raised_at.isoformat(),
        "acknowledged_by": a.acknowledged_by,
        "acknowledged_at": a.acknowledged_at.isoformat() if a.acknowledged_at else None,
        "incident_id": a.incident_id,
    }


def listing(session: Session, open_only: bool = False, limit: int = 50) -> dict[str, Any]:
    stmt = select(OpinionAlert)
    if open_only:
        stmt = stmt.where(OpinionAlert.acknowledged_at.is_(None))
    rows = session.scalars(
        stmt.order_by(OpinionAlert.acknowledged_at.is_not(None), OpinionAlert.id.desc()).limit(limit)
    )
    unread = session.scalars(select(OpinionAlert.id).where(OpinionAlert.acknowledged_at.is_(None))).all()
    return {"open": len(unread), "alerts": [view(a) for a in rows]}


def get(session: Session, alert_id: int) -> OpinionAlert:
    alert = session.get(OpinionAlert, alert_id)
    if alert is None:
        raise NotFound("alert not found", "预警不存在")
    return alert


def acknowledge(session: Session, actor: Actor, alert_id: int) -> dict[str, Any]:
    """Idempotent: the first acknowledgement stands."""
    alert = get(session, alert_id)
    if alert.acknowledged_at is None:
        alert.acknowledged_by, alert.acknowledged_at = actor.id, utcnow()
        record(session, actor, "opinion.alert_ack", "opinion_alert", alert.id)
    return view(alert)
