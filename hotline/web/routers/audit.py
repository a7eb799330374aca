"""The audit log, readable by administrators."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.models import AuditEntry
from hotline.schemas import Out, Page
from hotline.web.auth import Principal, require
from hotline.web.deps import get_session
from hotline.web.pagination import ListParams, paginate

router = APIRouter(prefix="/api/audit", tags=["audit"])


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


@router.get("", response_model=Page[AuditOut])
def list_audit(
    params: ListParams = Depends(),
    entity: str | None = Query(None, max_length=64),
    entity_id: str | None = Query(None, max_length=64),
    actor: str | None = Query(None, max_length=64),
    action: str | None = Query(None, max_length=64),
    _: Principal = Depends(require("audit.read")),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, object]:
    stmt = select(AuditEntry)
    for col, value in (
        (AuditEntry.entity, entity),
        (AuditEntry.entity_id, entity_id),
        (AuditEntry.actor, actor),
        (AuditEntry.action, action),
    ):
        if value is not None:
            stmt = stmt.where(col == value)
    return paginate(session, stmt, params, {"at": AuditEntry.at}, AuditEntry.id, AuditOut.model_validate)
