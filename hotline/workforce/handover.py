"""The shift handover log (交接班记录): the outgoing shift writes what it leaves — open emergencies,
callbacks still owed, overdue work orders (counted at that moment), system alerts, free notes —
the incoming shift acknowledges it, and only then can the handover be completed (the table in
`states.py` refuses otherwise). Every step audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record, snapshot
from hotline.audit.writes import check_version
from hotline.bus import publish_on_commit
from hotline.calls.volume import callbacks_owed
from hotline.errors import Conflict, NotFound
from hotline.masking import mask_phone
from hotline.store.base import utcnow
from hotline.workforce.models import Handover
from hotline.workforce.states import HANDOVER, HandoverAction, HandoverState
from hotline.workforce.topics import HandoverAcknowledged, HandoverCompleted
from hotline.workorders.orders import Who
from hotline.workorders.overview import counts


def take_snapshot(
    session: Session, who: Who, now: datetime, emergencies: list[dict[str, Any]], alerts: list[str]
) -> dict[str, Any]:
    """What is open right now, as the outgoing shift hands it over."""
    overdue = counts(session, who, now).get("overdue", 0) if not who.department_only else 0
    return {
        "at": now.isoformat(),
        "open_emergencies": [
            {
                "call_id": e.get("call_id"),
                "caller": mask_phone(e.get("caller")),
                "connected": e.get("connected"),
                "ended": bool(e.get("ended")),
                "age": e.get("age"),
            }
            for e in emergencies
        ],
        "pending_callbacks": callbacks_owed(session),
        "overdue_orders": overdue,
        "system_alerts": alerts,
    }


def get(session: Session, handover_id: int) -> Handover:
    row = session.get(Handover, handover_id)
    if row is None:
        raise NotFound("no such handover", "交接班记录不存在")
    return row


def create(
    session: Session,
    who: Who,
    *,
    shift_label: str,
    notes: str,
    alerts: list[str],
    emergencies: list[dict[str, Any]],
    now: datetime | None = None,
) -> Handover:
    now = now or utcnow()
    row = Handover(
        shift_label=shift_label,
        notes=notes,
        outgoing_user_id=who.actor.id,
        snapshot=take_snapshot(session, who, now, emergencies, alerts),
    )
    session.add(row)
    session.flush()
    record(session, who.actor, "create", "workforce_handover", row.id, after=snapshot(row))
    return row


def edit_notes(session: Session, actor: Actor, handover_id: int, version: int | None, notes: str) -> Handover:
    row = get(session, handover_id)
    check_version(row, version, "handover")
    HANDOVER.next(HandoverState(row.state), HandoverAction.edit)
    before = snapshot(row)
    row.notes = notes
    session.flush()
    record(session, actor, "update", "workforce_handover", row.id, before, snapshot(row))
    return row


def acknowledge(
    session: Session, actor: Actor, handover_id: int, version: int | None, note: str = ""
) -> Handover:
    """The incoming shift confirms it has read the handover (someone other than its writer)."""
    row = get(session, handover_id)
    check_version(row, version, "handover")
    if row.outgoing_user_id is not None and row.outgoing_user_id == actor.id:
        raise Conflict(
            "the incoming shift acknowledges, not the writer", "须由接班人确认，不能由交班人本人确认"
        )
    row.state = HANDOVER.next(HandoverState(row.state), HandoverAction.acknowledge).value
    row.acknowledged_by, row.acknowledged_at, row.ack_note = actor.id, utcnow(), note
    session.flush()
    record(
        session, actor, "acknowledge", "workforce_handover", row.id, after={"state": row.state, "note": note}
    )
    publish_on_commit(session, HandoverAcknowledged(handover_id=row.id, by_user_id=actor.id or 0))
    return row


def complete(session: Session, actor: Actor, handover_id: int, version: int | None) -> Handover:
    """Mark the shift handed over: refused (409) until the incoming shift acknowledged."""
    row = get(session, handover_id)
    check_version(row, version, "handover")
    row.state = HANDOVER.next(HandoverState(row.state), HandoverAction.complete).value
    row.handed_over_at = utcnow()
    session.flush()
    record(session, actor, "complete", "workforce_handover", row.id, after={"state": row.state})
    publish_on_commit(session, HandoverCompleted(handover_id=row.id))
    return row


def recent(session: Session, limit: int = 50) -> list[Handover]:
    return list(session.scalars(select(Handover).order_by(Handover.id.desc()).limit(limit)))
