"""ACD configuration over HTTP: queues, agents' skills, business hours.

Every write publishes "acd.config" on the bus after it commits, so a running call center reloads its queues.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.acd import service
from hotline.acd.hours import day_plan, is_open, validate_schedule
from hotline.acd.models import AcdQueue, BusinessHours
from hotline.acd.schemas import (
    DayPlanOut,
    HoursCalendarOut,
    HoursIn,
    HoursOut,
    HoursPatch,
    HoursPreviewIn,
    QueueIn,
    QueueOut,
    QueuePatch,
    SkillOut,
    SkillsIn,
)
from hotline.bus import get_bus
from hotline.errors import NotFound
from hotline.schemas import Page
from hotline.store.db import after_commit
from hotline.web.auth import Principal, require
from hotline.web.deps import get_session
from hotline.web.pagination import ListParams, paginate

router = APIRouter(prefix="/api/acd", tags=["acd"])


def _changed(session: Session) -> None:
    """Tell a running call center to reload, once this request's changes are committed (a reload
    before the commit would read the old configuration)."""
    after_commit(session, lambda: get_bus().publish("acd.config", {}))


@router.get("/queues", response_model=Page[QueueOut])
def list_queues(
    params: ListParams = Depends(),
    _: Principal = Depends(require("acd.read")),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, object]:
    sortable = {"name": AcdQueue.name, "label": AcdQueue.label}
    return paginate(session, select(AcdQueue), params, sortable, AcdQueue.id, QueueOut.model_validate, "name")


@router.post("/queues", response_model=QueueOut, status_code=201)
def create_queue(
    body: QueueIn,
    principal: Principal = Depends(require("acd.write")),
    session: Session = Depends(get_session, scope="function"),
) -> QueueOut:
    row = service.create_queue(session, principal.actor, body)
    _changed(session)
    return QueueOut.model_validate(row)


@router.get("/queues/{queue_id}", response_model=QueueOut)
def get_queue(
    queue_id: int,
    _: Principal = Depends(require("acd.read")),
    session: Session = Depends(get_session, scope="function"),
) -> QueueOut:
    return QueueOut.model_validate(service.get_queue(session, queue_id))


@router.patch("/queues/{queue_id}", response_model=QueueOut)
def update_queue(
    queue_id: int,
    body: QueuePatch,
    principal: Principal = Depends(require("acd.write")),
    session: Session = Depends(get_session, scope="function"),
) -> QueueOut:
    row = service.update_queue(session, principal.actor, queue_id, body)
    _changed(session)
    return QueueOut.model_validate(row)


@router.get("/agents/{user_id}/skills", response_model=list[SkillOut])
def get_skills(
    user_id: int,
    _: Principal = Depends(require("acd.read")),
    session: Session = Depends(get_session, scope="function"),
) -> list[SkillOut]:
    return [SkillOut(queue=q, level=lv) for q, lv in service.skills_of(session, user_id)]


@router.put("/agents/{user_id}/skills", response_model=list[SkillOut])
def set_skills(
    user_id: int,
    body: SkillsIn,
    principal: Principal = Depends(require("acd.write")),
    session: Session = Depends(get_session, scope="function"),
) -> list[SkillOut]:
    out = service.set_skills(session, principal.actor, user_id, body.skills)
    _changed(session)
    return [SkillOut(queue=q, level=lv) for q, lv in out]


@router.get("/hours", response_model=list[HoursOut])
def list_hours(
    _: Principal = Depends(require("acd.read")), session: Session = Depends(get_session, scope="function")
) -> list[HoursOut]:
    return [
        HoursOut.model_validate(h)
        for h in session.scalars(select(BusinessHours).order_by(BusinessHours.name))
    ]


@router.post("/hours", response_model=HoursOut, status_code=201)
def create_hours(
    body: HoursIn,
    principal: Principal = Depends(require("acd.write")),
    session: Session = Depends(get_session, scope="function"),
) -> HoursOut:
    row = service.create_hours(session, principal.actor, body)
    _changed(session)
    return HoursOut.model_validate(row)


@router.patch("/hours/{hours_id}", response_model=HoursOut)
def update_hours(
    hours_id: int,
    body: HoursPatch,
    principal: Principal = Depends(require("acd.write")),
    session: Session = Depends(get_session, scope="function"),
) -> HoursOut:
    row = service.update_hours(session, principal.actor, hours_id, body)
    _changed(session)
    return HoursOut.model_validate(row)


@router.get("/hours/{hours_id}/calendar", response_model=HoursCalendarOut)
def hours_calendar(
    hours_id: int,
    start: date | None = None,
    days: int = Query(14, ge=1, le=62),
    _: Principal = Depends(require("acd.read")),
    session: Session = Depends(get_session, scope="function"),
) -> HoursCalendarOut:
    """Day by day from ``start`` (today in the schedule's time zone): workday or holiday, why, and
    the opening windows; plus whether the line is open right now."""
    row = session.get(BusinessHours, hours_id)
    if row is None:
        raise NotFound(f"no business hours {hours_id}", f"营业时间 {hours_id} 不存在")
    return _calendar(dict(row.schedule), start, days)


@router.post("/hours/preview", response_model=HoursCalendarOut)
def hours_preview(body: HoursPreviewIn, _: Principal = Depends(require("acd.read"))) -> HoursCalendarOut:
    """The calendar of an unsaved schedule (the editor's preview before 保存); nothing is stored."""
    return _calendar(validate_schedule(body.schedule), body.start, body.days)


def _calendar(schedule: dict[str, Any], start: date | None, days: int) -> HoursCalendarOut:
    now = datetime.now(ZoneInfo(str(schedule.get("timezone", "Asia/Shanghai"))))
    first = start or now.date()
    plans = [DayPlanOut.model_validate(day_plan(schedule, first + timedelta(days=i))) for i in range(days)]
    return HoursCalendarOut(open_now=is_open(schedule, now), days=plans)
