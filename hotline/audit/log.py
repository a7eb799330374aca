"""Reading the audit log: the filters (actor, action, object, time range), one page of entries,
and an export of the same selection as CSV or XLSX (cells escaped by `hotline.exports`, labels in
Chinese), which is itself audited: who took a copy of what."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hotline.audit.labels import action_zh, entity_zh
from hotline.audit.models import AuditEntry
from hotline.audit.service import Actor, record
from hotline.exports import row
from hotline.store.pagination import PageRequest, paginate

T = TypeVar("T")
# The center's clock for the exported times (the audit log is a foundation: no domain import).
LOCAL = ZoneInfo("Asia/Shanghai")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_EXPORT_ROWS = 50_000
HEADERS = ["时间", "操作人", "动作", "对象", "对象编号", "IP", "动作代码", "对象代码"]


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


def entries_page(
    session: Session, f: AuditFilters, params: PageRequest, to_out: Callable[[AuditEntry], T]
) -> dict[str, Any]:
    return paginate(
        session, f.apply(select(AuditEntry)), params, {"at": AuditEntry.at}, AuditEntry.id, to_out
    )


def _local(at: datetime) -> str:
    # SQLite hands back naive datetimes; they are UTC like everything the store writes.
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(LOCAL).strftime("%Y-%m-%d %H:%M:%S")


def export(session: Session, actor: Actor, f: AuditFilters, fmt: Literal["csv", "xlsx"]) -> bytes:
    """The newest `MAX_EXPORT_ROWS` matching entries as a CSV (UTF-8 with BOM) or XLSX file."""
    stmt = (
        f.apply(select(AuditEntry))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(MAX_EXPORT_ROWS)
    )
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
        for e in session.scalars(stmt)
    ]
    # Exporting the log is itself audited (who took a copy of what).
    record(session, actor, "export", "audit", None, None, {**f.as_json(), "rows": len(lines)})
    if fmt == "csv":
        buf = io.StringIO()
        buf.write("\ufeff")  # Excel needs the BOM to read UTF-8 Chinese
        writer = csv.writer(buf)
        writer.writerow(HEADERS)
        writer.writerows(lines)
        return buf.getvalue().encode()
    from openpyxl import Workbook  # loaded on first use (a second of server start-up)

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("审计日志")
    ws.append(HEADERS)
    for line in lines:
        ws.append(line)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
