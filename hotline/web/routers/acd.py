"""ACD configuration over HTTP: queues, agents' skills, business hours.

Every write publishes "acd.config_changed" on the bus after it commits, so a running call center
reloads its queues.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from hotline.acd import service
from hotline.acd.hours import day_plan, is_open, validate_schedule
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
from hotline.acd.topics import AcdConfigChanged
from hotline.bus import publish_on_commit
from hotline.schemas import Page
from hotline.web.auth import Principal, require
from hotline.web.deps import ListDep, SessionDep

router = APIRouter(prefix="/api/acd", tags=["acd"])
AcdRead = Annotated[Principal, Depends(require("acd.read"))]
AcdWrite = Annotated[Principal, Depends(require("acd.write"))]


def _changed(session: Session) -> None:
    """Tell a running call center to reload, once this request's changes are committed (a reload
    before the commit would read the old configuration)."""
    publish_on_commit(session, AcdConfigChanged())


@router.get("/queues", response_model=Page[QueueOut])
def list_queues(params: ListDep, _: AcdRead, session: SessionDep) -> dict[str, object]:
    return service.queues_page(session, params, QueueOut.model_validate)


@router.post("/queues", response_model=QueueOut, status_code=201)
def create_queue(body: QueueIn, principal: AcdWrite, session: SessionDep) -> QueueOut:
    row = service.create_queue(session, principal.actor, body)
    _changed(session)
    return QueueOut.model_validate(row)


@router.get("/queues/{queue_id}", response_model=QueueOut)
def get_queue(queue_id: int, _: AcdRead, session: SessionDep) -> QueueOut:
    return QueueOut.model_validate(service.get_queue(session, queue_id))


@router.patch("/queues/{queue_id}", response_model=QueueOut)
def update_queue(queue_id: int, body: QueuePatch, principal: AcdWrite, session: SessionDep) -> QueueOut:
    row = service.update_queue(session, principal.actor, queue_id, body)
    _changed(session)
    return QueueOut.model_validate(row)


@router.get("/agents/{user_id}/skills", response_model=list[SkillOut])
def get_skills(user_id: int, _: AcdRead, session: SessionDep) -> list[SkillOut]:
    return [SkillOut(queue=q, level=lv) for q, lv in service.skills_of(session, user_id)]


@router.put("/agents/{user_id}/skills", response_model=list[SkillOut])
def set_skills(user_id: int, body: SkillsIn, principal: AcdWrite, session: SessionDep) -> list[SkillOut]:
    out = service.set_skills(session, principal.actor, user_id, body.skills)
    _changed(session)
    return [SkillOut(queue=q, level=lv) for q, lv in out]


@router.get("/hours", response_model=list[HoursOut])
def list_hours(_: AcdRead, session: SessionDep) -> list[HoursOut]:
    return [HoursOut.model_validate(h) for h in service.list_hours(session)]


@router.post("/hours", response_model=HoursOut, status_code=201)
def create_hours(body: HoursIn, principal: AcdWrite, session: SessionDep) -> HoursOut:
    row = service.create_hours(session, principal.actor, body)
    _changed(session)
    return HoursOut.model_validate(row)


@router.patch("/hours/{hours_id}", response_model=HoursOut)
def update_hours(hours_id: int, body: HoursPatch, principal: AcdWrite, session: SessionDep) -> HoursOut:
    row = service.update_hours(session, principal.actor, hours_id, body)
    _changed(session)
    return HoursOut.model_validate(row)


@router.get("/hours/{hours_id}/calendar", response_model=HoursCalendarOut)
def hours_calendar(
    hours_id: int,
    _: AcdRead,
    session: SessionDep,
    start: date | None = None,
    days: int = Query(14, ge=1, le=62),
) -> HoursCalendarOut:
    """Day by day from ``start`` (today in the schedule's time zone): workday or holiday, why, and
    the opening windows; plus whether the line is open right now."""
    return _calendar(dict(service.get_hours(session, hours_id).schedule), start, days)


@router.post("/hours/preview", response_model=HoursCalendarOut)
def hours_preview(body: HoursPreviewIn, _: AcdRead) -> HoursCalendarOut:
    """The calendar of an unsaved schedule (the editor's preview before 保存); nothing is stored."""
    return _calendar(validate_schedule(body.schedule), body.start, body.days)


def _calendar(schedule: dict[str, Any], start: date | None, days: int) -> HoursCalendarOut:
    now = datetime.now(ZoneInfo(str(schedule.get("timezone", "Asia/Shanghai"))))
    first = start or now.date()
    plans = [DayPlanOut.model_validate(day_plan(schedule, first + timedelta(days=i))) for i in range(days)]
    return HoursCalendarOut(open_now=is_open(schedule, now), days=plans)
