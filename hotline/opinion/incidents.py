"""Opinion incidents (舆情事件): opened from an alert or by hand, moved through `states.TABLE`
with each step's deadline, linked to items, work orders and knowledge articles, the public
response recorded; every write audited and on the incident's timeline, each step announced on
the bus after commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record, snapshot
from hotline.audit.writes import audited_update
from hotline.bus import publish_on_commit
from hotline.errors import Invalid, NotFound
from hotline.opinion import alerts
from hotline.opinion.models import (
    OpinionIncident,
    OpinionIncidentEvent,
    OpinionIncidentLink,
    OpinionItem,
)
from hotline.opinion.states import LABELS_ZH, TABLE, IncidentAction, IncidentState, deadline
from hotline.opinion.topics import OpinionIncidentMoved, OpinionIncidentOpened
from hotline.schemas import DbId, StrictIn
from hotline.store.base import utcnow

LinkKind = Literal["item", "workorder", "article"]


class IncidentIn(StrictIn):
    title: str | None = Field(None, min_length=1, max_length=300)
    summary: str = Field("", max_length=5000)
    level: Literal["normal", "major"] = "normal"
    alert_id: DbId | None = None
    item_ids: list[DbId] = Field(default_factory=list, max_length=100)


class ActionIn(StrictIn):
    version: int
    note: str | None = Field(None, max_length=2000)
    response: str | None = Field(None, max_length=5000)  # respond: the published answer
    responded_by: str | None = Field(None, max_length=100)  # respond: who answered in public


class LinkIn(StrictIn):
    kind: LinkKind
    ref_id: DbId


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _get(session: Session, incident_id: int) -> OpinionIncident:
    inc = session.get(OpinionIncident, incident_id)
    if inc is None:
        raise NotFound("incident not found", "舆情事件不存在")
    return inc


def view(
    session: Session, inc: OpinionIncident, now: datetime | None = None, full: bool = False
) -> dict[str, Any]:
    now = now or utcnow()
    state = IncidentState(inc.state)
    out: dict[str, Any] = {
        "id": inc.id,
        "title": inc.title,
        "summary": inc.summary,
        "level": inc.level,
        "state": inc.state,
        "state_zh": LABELS_ZH[state],
        "allowed": [a.value for a in TABLE.allowed(state)],
        "due_at": _iso(inc.due_at),
        "overdue": bool(inc.due_at and inc.due_at < now),
        "response": inc.response,
        "responded_by": inc.responded_by,
        "created_at": _iso(inc.created_at),
        "closed_at": _iso(inc.closed_at),
        "version": inc.version,
    }
    if full:
        links = session.scalars(
            select(OpinionIncidentLink)
            .where(OpinionIncidentLink.incident_id == inc.id)
            .order_by(OpinionIncidentLink.id)
        )
        out["links"] = [{"kind": ln.kind, "ref_id": ln.ref_id} for ln in links]
        events = session.scalars(
            select(OpinionIncidentEvent)
            .where(OpinionIncidentEvent.incident_id == inc.id)
            .order_by(OpinionIncidentEvent.id)
        )
        out["timeline"] = [
            {
                "action": e.action,
                "from": e.from_state,
                "to": e.to_state,
                "note": e.note,
                "actor": e.actor,
                "at": _iso(e.at),
            }
            for e in events
        ]
    return out


def listing(session: Session, state: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    stmt = select(OpinionIncident)
    if state == "open":
        stmt = stmt.where(OpinionIncident.state != IncidentState.closed.value)
    elif state:
        stmt = stmt.where(OpinionIncident.state == IncidentState(state).value)
    now = utcnow()
    return [
        view(session, i, now) for i in session.scalars(stmt.order_by(OpinionIncident.id.desc()).limit(limit))
    ]


def one(session: Session, incident_id: int) -> dict[str, Any]:
    return view(session, _get(session, incident_id), full=True)


def _event(
    session: Session, inc: OpinionIncident, actor: Actor, action: str, before: str | None, note: str | None
) -> None:
    session.add(
        OpinionIncidentEvent(
            incident_id=inc.id,
            action=action,
            from_state=before,
            to_state=inc.state,
            note=note,
            actor=actor.name,
        )
    )


def _link(session: Session, inc: OpinionIncident, kind: str, ref_id: int) -> bool:
    exists = session.scalar(
        select(OpinionIncidentLink.id).where(
            OpinionIncidentLink.incident_id == inc.id,
            OpinionIncidentLink.kind == kind,
            OpinionIncidentLink.ref_id == ref_id,
        )
    )
    if exists is None:
        session.add(OpinionIncidentLink(incident_id=inc.id, kind=kind, ref_id=ref_id))
        return True
    return False


def open_incident(
    session: Session, actor: Actor, body: IncidentIn, now: datetime | None = None
) -> dict[str, Any]:
    now = now or utcnow()
    alert = alerts.get(session, body.alert_id) if body.alert_id else None
    item_ids = list(dict.fromkeys([*([alert.item_id] if alert else []), *body.item_ids]))
    found = set(session.scalars(select(OpinionItem.id).where(OpinionItem.id.in_(item_ids))))
    if missing := [i for i in item_ids if i not in found]:
        raise Invalid(f"unknown item {missing[0]}", "舆情信息不存在")
    title = body.title or (alert.title if alert else None)
    if not title:
        raise Invalid("an incident needs a title or an alert", "请填写事件标题或从预警创建")
    state = IncidentState.found
    clock = deadline(state, body.level)
    inc = OpinionIncident(
        title=title,
        summary=body.summary,
        level=body.level,
        state=state.value,
        created_by=actor.id,
        created_at=now,
        due_at=now + clock if clock else None,
    )
    session.add(inc)
    session.flush()
    for item_id in item_ids:
        _link(session, inc, "item", item_id)
    if alert is not None:
        alert.incident_id = inc.id
        if alert.acknowledged_at is None:
            alert.acknowledged_by, alert.acknowledged_at = actor.id, now
    _event(session, inc, actor, "open", None, body.summary or None)
    record(
        session,
        actor,
        "opinion.incident_open",
        "opinion_incident",
        inc.id,
        after={**snapshot(inc), "items": item_ids},
    )
    publish_on_commit(session, OpinionIncidentOpened(incident_id=inc.id, title=inc.title, level=inc.level))
    return view(session, inc, now, full=True)


def act(
    session: Session,
    actor: Actor,
    incident_id: int,
    action: IncidentAction,
    body: ActionIn,
    now: datetime | None = None,
) -> dict[str, Any]:
    now = now or utcnow()
    inc = _get(session, incident_id)
    before = IncidentState(inc.state)
    after = TABLE.next(before, action)
    if action is IncidentAction.respond and not (body.response and body.response.strip()):
        raise Invalid("a response needs its text", "请填写回应内容")
    if action is IncidentAction.dismiss and not (body.note and body.note.strip()):
        raise Invalid("say why it is dismissed", "请说明不予处置的原因")
    clock = deadline(after, inc.level)
    changes: dict[str, Any] = {"state": after.value, "due_at": now + clock if clock else None}
    if action is IncidentAction.respond:
        changes |= {"response": body.response, "responded_by": body.responded_by or actor.name}
    if after is IncidentState.closed:
        changes["closed_at"] = now
    with audited_update(
        session, actor, inc, body.version, "incident", "opinion_incident", f"opinion.incident_{action.value}"
    ) as edit:
        edit.apply(changes)
        edit.note(note=body.note)
    _event(session, inc, actor, action.value, before.value, body.note or body.response)
    publish_on_commit(
        session, OpinionIncidentMoved(incident_id=inc.id, action=action.value, state=after.value)
    )
    return view(session, inc, now, full=True)


def add_link(session: Session, actor: Actor, incident_id: int, body: LinkIn) -> dict[str, Any]:
    """Link an item, a work order or a knowledge article (ids are the other domains' own; the
    console offers them from `related.for_item`)."""
    inc = _get(session, incident_id)
    if body.kind == "item" and session.get(OpinionItem, body.ref_id) is None:
        raise Invalid(f"unknown item {body.ref_id}", "舆情信息不存在")
    if _link(session, inc, body.kind, body.ref_id):
        _event(session, inc, actor, "link", inc.state, f"{body.kind}:{body.ref_id}")
        record(session, actor, "opinion.incident_link", "opinion_incident", inc.id, after=body.model_dump())
    return view(session, inc, full=True)
