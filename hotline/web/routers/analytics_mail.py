"""Scheduled reports over HTTP (定时报表): subscriptions (who gets which report, daily / weekly /
monthly), their runs, and regenerating a period's report on demand; the work is in
`hotline.analytics.subscriptions` and `hotline.analytics.mailing`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from hotline.analytics import mailing, subscriptions
from hotline.analytics.schemas import RegenerateIn, RunOut, ScheduleOut
from hotline.analytics.subscriptions import ScheduleIn, ScheduleUpdate
from hotline.web.auth import Principal, require
from hotline.web.deps import DbDep, SessionDep

router = APIRouter(prefix="/api/analytics/schedules", tags=["analytics"])
Reader = Annotated[Principal, Depends(require("analytics.read"))]
Writer = Annotated[Principal, Depends(require("analytics.write"))]


@router.get("", response_model=list[ScheduleOut])
def list_schedules(_: Reader, session: SessionDep) -> list[dict[str, Any]]:
    return subscriptions.listing(session)


@router.post("", response_model=ScheduleOut, status_code=201)
def create_schedule(body: ScheduleIn, p: Writer, session: SessionDep) -> dict[str, Any]:
    return subscriptions.create(session, p.actor, body)


@router.put("/{schedule_id}", response_model=ScheduleOut)
def update_schedule(schedule_id: int, body: ScheduleUpdate, p: Writer, session: SessionDep) -> dict[str, Any]:
    return subscriptions.update(session, p.actor, schedule_id, body)


@router.delete("/{schedule_id}", status_code=204, response_class=Response)
def delete_schedule(schedule_id: int, p: Writer, session: SessionDep) -> Response:
    subscriptions.delete(session, p.actor, schedule_id)
    return Response(status_code=204)


@router.get("/{schedule_id}/runs", response_model=list[RunOut])
def schedule_runs(
    schedule_id: int, _: Reader, session: SessionDep, limit: int = Query(50, ge=1, le=200)
) -> list[dict[str, Any]]:
    return subscriptions.runs(session, schedule_id, limit)


@router.post("/{schedule_id}/regenerate", response_model=RunOut)
def regenerate(schedule_id: int, body: RegenerateIn, p: Writer, db: DbDep) -> dict[str, Any]:
    """Generate and mail the report of the period holding `date` (default: the latest due) now."""
    return mailing.regenerate(db, p.actor, schedule_id, body.date)
