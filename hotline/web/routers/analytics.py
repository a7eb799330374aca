"""Reports over HTTP (话务/工单 日报·周报·月报·年报 with 环比/同比, drill-down to the calls or
orders behind a figure, CSV of every rollup, rebuild and lag); the work is in `hotline.analytics`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from hotline.analytics import drill, exports, hotspot_admin, periods, reports, rollup, status
from hotline.analytics.daytypes import LOCAL
from hotline.analytics.periods import Kind
from hotline.analytics.schemas import (
    DrillCallsOut,
    DrillOrdersOut,
    HotspotMerge,
    HotspotOut,
    HotspotRename,
    RebuildOut,
    ReportOut,
    StatusOut,
)
from hotline.store.base import utcnow
from hotline.web.auth import Principal, require
from hotline.web.deps import DbDep, SessionDep

router = APIRouter(prefix="/api/analytics", tags=["analytics"])
Reader = Annotated[Principal, Depends(require("analytics.read"))]
Exporter = Annotated[Principal, Depends(require("analytics.export"))]
Writer = Annotated[Principal, Depends(require("analytics.write"))]
Admin = Annotated[Principal, Depends(require("analytics.admin"))]
CSV = "text/csv; charset=utf-8"


def _period(
    period: Kind = Query(Kind.month, description="day | week | month | year | custom"),
    on: date | None = Query(None, alias="date", description="a date inside the period (default today)"),
    start: date | None = Query(None, description="custom period: first day"),
    end: date | None = Query(None, description="custom period: last day (at most 3,660 days)"),
) -> periods.Period:
    return periods.resolve(period, on, start, end, utcnow().astimezone(LOCAL).date())


PeriodDep = Annotated[periods.Period, Depends(_period)]
Id = Query(None, ge=0, le=2**31 - 1)


@router.get("/calls", response_model=ReportOut)
def calls_report(
    _: Reader,
    session: SessionDep,
    period: PeriodDep,
    by: str | None = Query(
        None, max_length=16, description="hour | half_hour | day | day_type | queue | agent"
    ),
    queue: str | None = Query(None, max_length=64),
    agent_id: int | None = Id,
) -> dict[str, Any]:
    return reports.report(session, reports.CALLS, period, {"queue": queue, "agent_id": agent_id}, by)


@router.get("/orders", response_model=ReportOut)
def orders_report(
    _: Reader,
    session: SessionDep,
    period: PeriodDep,
    by: str | None = Query(
        None, max_length=16, description="day | day_type | category | district | department | channel | state"
    ),
    category_id: int | None = Id,
    district: str | None = Query(None, max_length=64),
    department_id: int | None = Id,
    channel: str | None = Query(None, max_length=16),
    state: str | None = Query(None, max_length=16),
) -> dict[str, Any]:
    filters = {
        "category_id": category_id,
        "district": district,
        "department_id": department_id,
        "channel": channel,
        "state": state,
    }
    return reports.report(session, reports.ORDERS, period, filters, by)


@router.get("/calls/drill", response_model=DrillCallsOut, response_model_exclude_unset=True)
def calls_drill(
    p: Reader,
    session: SessionDep,
    period: PeriodDep,
    queue: str | None = Query(None, max_length=64),
    agent_id: int | None = Id,
    day: date | None = None,
    hour: int | None = Query(None, ge=0, le=23),
    measure: str | None = Query(None, max_length=32),
) -> dict[str, Any]:
    filters = {"queue": queue, "agent_id": agent_id}
    return drill.calls(session, period, filters, day, hour, measure, p.pii)


@router.get("/orders/drill", response_model=DrillOrdersOut)
def orders_drill(
    _: Reader,
    session: SessionDep,
    period: PeriodDep,
    category_id: int | None = Id,
    district: str | None = Query(None, max_length=64),
    department_id: int | None = Id,
    channel: str | None = Query(None, max_length=16),
    state: str | None = Query(None, max_length=16),
    day: date | None = None,
    day_type: str | None = Query(None, pattern="^(workday|weekend|holiday|makeup)$"),
    after_id: int | None = Id,
    limit: int = Query(50, ge=1, le=drill.MAX_ROWS),
) -> dict[str, Any]:
    filters = {
        "category_id": category_id,
        "district": district,
        "department_id": department_id,
        "channel": channel,
        "state": state,
    }
    reports.check_filters(reports.ORDERS, None, filters)
    return drill.orders(session, period, filters, day, day_type, limit, after_id)


@router.get("/rollups/{name}.csv", response_class=Response, responses={200: {"content": {CSV: {}}}})
def rollup_csv(name: str, _: Exporter, session: SessionDep, period: PeriodDep) -> Response:
    body = exports.rollup_csv(session, name, period)
    filename = f"{name}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(
        body, media_type=CSV, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/status", response_model=StatusOut)
def rollup_status(_: Reader, session: SessionDep) -> dict[str, int]:
    return status.status(session)


@router.post("/rebuild", response_model=RebuildOut)
def rebuild(_: Admin, db: DbDep) -> rollup.Rebuilt:
    return rollup.rebuild(db)


# --- hotspots -------------------------------------------------------------------------------------


@router.get("/hotspots", response_model=list[HotspotOut])
def hotspots(
    _: Reader,
    session: SessionDep,
    status: str | None = Query(None, max_length=16, description="open | dismissed | merged"),
    since: date | None = None,
    limit: int = Query(50, ge=1, le=200),
) -> list[dict[str, Any]]:
    return hotspot_admin.listing(session, status, since, limit)


@router.post("/hotspots/{hotspot_id}/rename", response_model=HotspotOut)
def rename_hotspot(hotspot_id: int, body: HotspotRename, p: Writer, session: SessionDep) -> dict[str, Any]:
    return hotspot_admin.rename(session, p.actor, hotspot_id, body.name)


@router.post("/hotspots/{hotspot_id}/merge", response_model=HotspotOut)
def merge_hotspot(hotspot_id: int, body: HotspotMerge, p: Writer, session: SessionDep) -> dict[str, Any]:
    return hotspot_admin.merge(session, p.actor, hotspot_id, body.into_id)


@router.post("/hotspots/{hotspot_id}/dismiss", response_model=HotspotOut)
def dismiss_hotspot(hotspot_id: int, p: Writer, session: SessionDep) -> dict[str, Any]:
    return hotspot_admin.dismiss(session, p.actor, hotspot_id)
