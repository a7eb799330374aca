"""The audit log, readable by administrators: list with filters (actor, action, object, time range)
and export of the same selection as CSV or XLSX (cells escaped by hotline/exports.py)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from openpyxl import Workbook
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hotline.audit.labels import action_zh, entity_zh
from hotline.audit.models import AuditEntry
from hotline.audit.service import record
from hotline.exports import row
from hotline.schemas import Out, Page
from hotline.web.auth import Principal, require
from hotline.web.deps import get_session
from hotline.web.pagination import ListParams, paginate
from hotline.workorders.calendar import LOCAL

router = APIRouter(prefix="/api/audit", tags=["audit"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_EXPORT_ROWS = 50_000
HEADERS = ["时间", "操作人", "动作", "对象", "对象编号", "IP", "动作代码", "对象代码"]


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


def _local(at: datetime) -> str:
    # SQLite hands back naive datetimes; they are UTC like everything the store writes.
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(LOCAL).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class AuditFilters:
    entity: str | None = None
    entity_id: str | None = None
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        for col, value in (
            (AuditEntry.entity, self.entity),
            (AuditEntry.entity_id, self.entity_id),
            (AuditEntry.actor, self.actor),
            (AuditEntry.action, self.action),
        ):
            if value is not None:
                stmt = stmt.where(col == value)
        if self.since is not None:
            stmt = stmt.where(AuditEntry.at >= self.since)
        if self.until is not None:
            stmt = stmt.where(AuditEntry.at < self.until)
        return stmt

    def as_json(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in vars(self).items() if v}


def audit_filters(
    entity: str | None = Query(None, max_length=64),
    entity_id: str | None = Query(None, max_length=64),
    actor: str | None = Query(None, max_length=64),
    action: str | None = Query(None, max_length=64),
    since: datetime | None = Query(None, description="from this time (inclusive)"),
    until: datetime | None = Query(None, description="before this time (exclusive)"),
) -> AuditFilters:
    return AuditFilters(entity, entity_id, actor, action, since, until)


@router.get("", response_model=Page[AuditOut])
def list_audit(
    params: ListParams = Depends(),
    f: AuditFilters = Depends(audit_filters),
    _: Principal = Depends(require("audit.read")),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, object]:
    return paginate(session, f.apply(select(AuditEntry)), params, {"at": AuditEntry.at}, AuditEntry.id, _out)


@router.get(
    "/export.{fmt}",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, XLSX: {}}}},
)
def export_audit(
    fmt: Literal["csv", "xlsx"],
    f: AuditFilters = Depends(audit_filters),
    principal: Principal = Depends(require("audit.read")),
    session: Session = Depends(get_session, scope="function"),
) -> Response:
    stmt = (
        f.apply(select(AuditEntry))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(MAX_EXPORT_ROWS)
    )
    entries = list(session.scalars(stmt))
    lines = [
        row(
            [
                _local(e.at),
                e.actor,
                action_zh(e.action),
                entity_zh(e.entity),
                e.entity_id,
                e.ip,
                e.action,
                e.entity,
            ]
        )
        for e in entries
    ]
    # Exporting the log is itself audited (who took a copy of what).
    record(session, principal.actor, "export", "audit", None, None, {**f.as_json(), "rows": len(lines)})
    name = f'attachment; filename="audit.{fmt}"'
    if fmt == "csv":
        buf = io.StringIO()
        buf.write("\ufeff")  # Excel needs the BOM to read UTF-8 Chinese
        writer = csv.writer(buf)
        writer.writerow(HEADERS)
        writer.writerows(lines)
        return Response(
            buf.getvalue(), media_type="text/csv; charset=utf-8", headers={"Content-Disposition": name}
        )
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("审计日志")
    ws.append(HEADERS)
    for line in lines:
        ws.append(line)
    out = io.BytesIO()
    wb.save(out)
    return Response(out.getvalue(), media_type=XLSX, headers={"Content-Disposition": name})
