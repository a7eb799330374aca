"""The audit log, readable by administrators: list with filters (actor, action, object, time range)
and export of the same selection as CSV or XLSX (cells escaped by hotline/exports.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import AwareDatetime

from hotline.audit import log
from hotline.audit.labels import action_zh, entity_zh
from hotline.audit.log import XLSX, AuditFilters
from hotline.audit.models import AuditEntry
from hotline.schemas import Out, Page
from hotline.web.auth import Principal, require
from hotline.web.deps import ListDep, SessionDep

router = APIRouter(prefix="/api/audit", tags=["audit"])
AuditRead = Annotated[Principal, Depends(require("audit.read"))]


class AuditOut(Out):
    id: int
    at: datetime
    actor_id: int | None
    actor: str
    action: str
    entity: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    ip: str | None
    action_zh: str = ""
    entity_zh: str = ""


def _out(entry: AuditEntry) -> AuditOut:
    out = AuditOut.model_validate(entry)
    out.action_zh, out.entity_zh = action_zh(entry.action), entity_zh(entry.entity)
    return out


def audit_filters(
    entity: str | None = Query(None, max_length=64),
    entity_id: str | None = Query(None, max_length=64),
    actor: str | None = Query(None, max_length=64),
    action: str | None = Query(None, max_length=64),
    since: AwareDatetime | None = Query(None, description="from this time (inclusive)"),
    until: AwareDatetime | None = Query(None, description="before this time (exclusive)"),
) -> AuditFilters:
    return AuditFilters(entity, entity_id, actor, action, since, until)


FiltersDep = Annotated[AuditFilters, Depends(audit_filters)]


@router.get("", response_model=Page[AuditOut])
def list_audit(params: ListDep, f: FiltersDep, _: AuditRead, session: SessionDep) -> dict[str, object]:
    return log.entries_page(session, f, params, _out)


@router.get(
    "/export.{fmt}",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, XLSX: {}}}},
)
def export_audit(
    fmt: Literal["csv", "xlsx"], f: FiltersDep, principal: AuditRead, session: SessionDep
) -> Response:
    data = log.export(session, principal.actor, f, fmt)
    headers = {"Content-Disposition": f'attachment; filename="audit.{fmt}"'}
    media_type = "text/csv; charset=utf-8" if fmt == "csv" else XLSX
    return Response(data, media_type=media_type, headers=headers)
