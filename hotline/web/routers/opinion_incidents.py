"""Opinion incidents (舆情事件) over HTTP: open (from an alert), list, read with links and
timeline, take a workflow step, link an item / work order / article. Thin: the work is in
`hotline.opinion.incidents`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from hotline.opinion import incidents
from hotline.opinion.incidents import ActionIn, IncidentIn, LinkIn
from hotline.opinion.states import IncidentAction
from hotline.web.deps import IdPath, SessionDep
from hotline.web.routers.opinion import OpinionHandle, OpinionRead

router = APIRouter(prefix="/api/opinion/incidents", tags=["opinion"])


@router.get("", response_model=list[dict[str, Any]])
def list_incidents(
    _: OpinionRead,
    session: SessionDep,
    state: str | None = Query(None, pattern="^(open|found|verified|reported|responded|closed)$"),
    limit: int = Query(100, ge=1, le=500),
) -> list[dict[str, Any]]:
    return incidents.listing(session, state, limit)


@router.post("", response_model=dict[str, Any], status_code=201)
def open_incident(body: IncidentIn, p: OpinionHandle, session: SessionDep) -> dict[str, Any]:
    return incidents.open_incident(session, p.actor, body)


@router.get("/{incident_id}", response_model=dict[str, Any])
def get_incident(incident_id: IdPath, _: OpinionRead, session: SessionDep) -> dict[str, Any]:
    return incidents.one(session, incident_id)


@router.post("/{incident_id}/links", response_model=dict[str, Any])
def link(incident_id: IdPath, body: LinkIn, p: OpinionHandle, session: SessionDep) -> dict[str, Any]:
    return incidents.add_link(session, p.actor, incident_id, body)


@router.post("/{incident_id}/{action}", response_model=dict[str, Any])
def act(
    incident_id: IdPath, action: IncidentAction, body: ActionIn, p: OpinionHandle, session: SessionDep
) -> dict[str, Any]:
    """verify, report, respond (with the response's text), close, dismiss (with a note)."""
    return incidents.act(session, p.actor, incident_id, action, body)
