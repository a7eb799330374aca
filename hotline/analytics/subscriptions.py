"""Report subscriptions (定时报表): who gets which report, how often and as what (Excel, PDF);
created, changed (paused: `active` false) and removed with `analytics.write`, each write audited in
its transaction; listed with each one's last run and when the next is due. A schedule's report is the
API's (`GET /api/analytics/{calls|orders}` with its `by` and filters), so its filters are checked
the same way (422 naming the field)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.analytics import reports
from hotline.analytics.mailing import FILTERS, run_out
from hotline.analytics.models import ReportRun, ReportSchedule
from hotline.analytics.schedule import Frequency, next_due
from hotline.audit.service import Actor, record
from hotline.audit.writes import audited_update
from hotline.errors import Invalid, NotFound
from hotline.schemas import StrictIn
from hotline.store.base import utcnow

EMAIL = r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$"
ENTITY = "analytics_report_schedule"
Format = Literal["xlsx", "pdf"]
FORMATS: tuple[Format, ...] = ("xlsx", "pdf")


Id = Field(None, ge=0, le=2**31 - 1)


class ScheduleFilters(StrictIn):
    """The report's filters, as the report API takes them (calls: queue, agent_id; orders: the
    rest; 0 = none)."""

    queue: str | None = Field(None, max_length=64)
    agent_id: int | None = Id
    category_id: int | None = Id
    district: str | None = Field(None, max_length=64)
    department_id: int | None = Id
    channel: str | None = Field(None, max_length=16)
    state: str | None = Field(None, max_length=16)


class ScheduleIn(StrictIn):
    name: str = Field(min_length=1, max_length=100)
    rollup: Literal["calls", "orders"]
    frequency: Literal["daily", "weekly", "monthly"]
    by: str | None = Field(None, max_length=16)
    filters: ScheduleFilters = Field(default_factory=ScheduleFilters)
    recipients: list[str] = Field(min_length=1, max_length=50)
    formats: list[Format] = Field(default_factory=lambda: list(FORMATS), min_length=1, max_length=2)
    active: bool = True


class ScheduleUpdate(ScheduleIn):
    version: int = Field(ge=1)


def _check(data: ScheduleIn) -> dict[str, Any]:
    allowed = FILTERS[data.rollup]
    given = data.filters.model_dump(exclude_none=True)
    for name in given:
        if name not in allowed:
            raise Invalid(
                f"{name} is not a filter of the {data.rollup} report (one of {', '.join(allowed)})",
                f"{data.rollup} 报表没有筛选项 {name}",
                field=f"filters.{name}",
            )
    for address in data.recipients:
        if not re.match(EMAIL, address) or len(address) > 254:
            raise Invalid(
                f"{address!r} is not a mail address", f"{address} 不是有效的邮箱地址", field="recipients"
            )
    filters = given
    rollup = reports.CALLS if data.rollup == "calls" else reports.ORDERS
    reports.check_filters(rollup, data.by, {n: filters.get(n) for n in allowed})
    return filters


def _formats(data: ScheduleIn) -> list[str]:
    """The chosen attachments once each, Excel first."""
    return [f for f in FORMATS if f in data.formats]


def out(row: ReportSchedule) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "rollup": row.rollup,
        "frequency": row.frequency,
        "by": row.by,
        "filters": row.filters,
        "recipients": row.recipients,
        "formats": row.formats,
        "active": row.active,
        "version": row.version,
        "created_at": row.created_at.isoformat(),
    }


def create(session: Session, actor: Actor, data: ScheduleIn, now: datetime | None = None) -> dict[str, Any]:
    """A new schedule; its first report is the first period falling due after `now`."""
    filters = _check(data)
    now = now or utcnow()
    row = ReportSchedule(
        name=data.name,
        rollup=data.rollup,
        frequency=data.frequency,
        by=data.by,
        filters=filters,
        recipients=data.recipients,
        formats=_formats(data),
        active=data.active,
        created_by=actor.id,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    record(session, actor, "create", ENTITY, row.id, after=out(row))
    return out(row)


def _get(session: Session, schedule_id: int) -> ReportSchedule:
    row = session.get(ReportSchedule, schedule_id)
    if row is None:
        raise NotFound(f"no report schedule {schedule_id}", f"没有定时报表 {schedule_id}")
    return row


def update(session: Session, actor: Actor, schedule_id: int, data: ScheduleUpdate) -> dict[str, Any]:
    filters = _check(data)
    row = _get(session, schedule_id)
    with audited_update(session, actor, row, data.version, "report schedule", ENTITY, snap=out) as edit:
        edit.apply(
            {
                **data.model_dump(exclude={"version", "filters", "formats"}),
                "filters": filters,
                "formats": _formats(data),
            }
        )
        row.updated_at = utcnow()
    return out(row)


def delete(session: Session, actor: Actor, schedule_id: int) -> None:
    row = _get(session, schedule_id)
    record(session, actor, "delete", ENTITY, row.id, before=out(row))
    session.delete(row)


def listing(session: Session, now: datetime | None = None) -> list[dict[str, Any]]:
    """Every schedule with its latest run (None before the first) and when its next report is
    due (None while paused)."""
    now = now or utcnow()
    latest = select(func.max(ReportRun.id)).group_by(ReportRun.schedule_id).scalar_subquery()
    last = {
        r.schedule_id: run_out(r) for r in session.scalars(select(ReportRun).where(ReportRun.id.in_(latest)))
    }
    return [
        {
            **out(r),
            "last_run": last.get(r.id),
            "next_due_at": next_due(Frequency(r.frequency), now).isoformat() if r.active else None,
        }
        for r in session.scalars(select(ReportSchedule).order_by(ReportSchedule.id))
    ]


def runs(session: Session, schedule_id: int, limit: int) -> list[dict[str, Any]]:
    _get(session, schedule_id)
    rows = session.scalars(
        select(ReportRun)
        .where(ReportRun.schedule_id == schedule_id)
        .order_by(ReportRun.id.desc())
        .limit(limit)
    )
    return [run_out(r) for r in rows]
