"""The report builder over HTTP: the catalogue of dimensions and measures, an ad-hoc pivot and its
Excel export, saved reports (own or shared; only the owner changes one); the work is in
`hotline.analytics.pivots` and `hotline.analytics.saved`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Response

from hotline.analytics import pivot_export, pivots, saved
from hotline.analytics.daytypes import LOCAL
from hotline.analytics.pivot_schemas import PivotOut, SavedIn, SavedOut, SavedPatch, SourceOut
from hotline.store.base import utcnow
from hotline.web.auth import Principal, require
from hotline.web.deps import IdPath, SessionDep
from hotline.web.routers.analytics import PeriodDep

router = APIRouter(prefix="/api/analytics", tags=["analytics"])
Reader = Annotated[Principal, Depends(require("analytics.read"))]
Exporter = Annotated[Principal, Depends(require("analytics.export"))]
Writer = Annotated[Principal, Depends(require("analytics.write"))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Id = Query(None, ge=0, le=2**31 - 1)


def _today() -> date:
    return utcnow().astimezone(LOCAL).date()


def _names(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in text.split(",") if n.strip())


def _spec(
    rollup: str = Query(..., max_length=16, description="calls | orders"),
    dimensions: str = Query(..., max_length=200, description="comma-separated, at most 3"),
    measures: str = Query(..., max_length=400, description="comma-separated figures"),
    queue: str | None = Query(None, max_length=64),
    agent_id: int | None = Id,
    category_id: int | None = Id,
    district: str | None = Query(None, max_length=64),
    department_id: int | None = Id,
    channel: str | None = Query(None, max_length=16),
    state: str | None = Query(None, max_length=16),
) -> pivots.Spec:
    filters = {
        "queue": queue,
        "agent_id": agent_id,
        "category_id": category_id,
        "district": district,
        "department_id": department_id,
        "channel": channel,
        "state": state,
    }
    return pivots.Spec(rollup, _names(dimensions), _names(measures), filters)


SpecDep = Annotated[pivots.Spec, Depends(_spec)]


def _xlsx(data: bytes, ascii_name: str, name: str) -> Response:
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": disposition})


@router.get("/pivot/catalogue", response_model=dict[str, SourceOut])
def catalogue(_: Reader) -> dict[str, Any]:
    return pivots.catalogue()


@router.get("/pivot", response_model=PivotOut)
def pivot(_: Reader, session: SessionDep, spec: SpecDep, period: PeriodDep) -> dict[str, Any]:
    return pivots.run(session, spec, period)


@router.get("/pivot.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
def pivot_xlsx(_: Exporter, session: SessionDep, spec: SpecDep, period: PeriodDep) -> Response:
    data = pivots.run(session, spec, period)
    name = f"{spec.rollup}-{period.first.isoformat()}-{period.last.isoformat()}.xlsx"
    return _xlsx(pivot_export.workbook("自定义报表", data), name, name)


@router.get("/saved-reports", response_model=list[SavedOut])
def saved_reports(p: Reader, session: SessionDep) -> list[dict[str, Any]]:
    return saved.listing(session, p.user_id)


@router.post("/saved-reports", response_model=SavedOut, status_code=201)
def save_report(body: SavedIn, p: Writer, session: SessionDep) -> dict[str, Any]:
    return saved.create(
        session, p.actor, p.user_id, body.name, body.spec.model_dump(mode="json"), body.shared
    )


@router.get("/saved-reports/{report_id}", response_model=SavedOut)
def saved_report(report_id: IdPath, p: Reader, session: SessionDep) -> dict[str, Any]:
    return saved.one(session, p.user_id, report_id)


@router.patch("/saved-reports/{report_id}", response_model=SavedOut)
def change_report(report_id: IdPath, body: SavedPatch, p: Writer, session: SessionDep) -> dict[str, Any]:
    changes: dict[str, Any] = body.model_dump(mode="json", exclude_unset=True, exclude={"version"})
    return saved.update(session, p.actor, p.user_id, report_id, body.version, changes)


@router.delete("/saved-reports/{report_id}", status_code=204)
def delete_report(report_id: IdPath, p: Writer, session: SessionDep) -> Response:
    saved.delete(session, p.actor, p.user_id, report_id)
    return Response(status_code=204)


@router.get("/saved-reports/{report_id}/run", response_model=PivotOut)
def run_saved(report_id: IdPath, p: Reader, session: SessionDep) -> dict[str, Any]:
    return saved.run(session, p.user_id, report_id, _today())[1]


@router.get(
    "/saved-reports/{report_id}/export.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
def saved_xlsx(report_id: IdPath, p: Exporter, session: SessionDep) -> Response:
    name, data, period = saved.run(session, p.user_id, report_id, _today())
    ascii_name = f"report-{report_id}-{period.first.isoformat()}.xlsx"
    return _xlsx(pivot_export.workbook(name, data), ascii_name, f"{name}-{period.first.isoformat()}.xlsx")
