"""One caller's history for the caller 360° page: their calls, recordings and return visits.

The CDR and recording lists filter by one number; a caller may have several numbers, and a call
answered before the caller was on file carries only the number. These endpoints gather by the
caller's id and all their numbers, under the same permissions and masking as the general lists.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline.calls.models import Call, Recording
from hotline.calls.schemas import CdrOut, RecordingOut
from hotline.errors import Forbidden
from hotline.people.masking import mask_text
from hotline.people.models import CallerPhone
from hotline.people.service import get_caller
from hotline.schemas import Page
from hotline.web.auth import Principal, require
from hotline.web.deps import IdPath, get_session
from hotline.web.pagination import ListParams, paginate
from hotline.web.routers.call_records import _cdr, _rec
from hotline.workorders.models import ReturnVisit, WorkOrder

router = APIRouter(prefix="/api/callers", tags=["callers"])


def _numbers(session: Session, p: Principal, caller_id: int) -> list[str]:
    """The caller's numbers; the reader must also be allowed to look up callers."""
    if not p.can("callers.read"):
        raise Forbidden(
            f"role {p.role.value} lacks permission callers.read",
            "当前角色无 callers.read 权限",
            permission="callers.read",
        )
    get_caller(session, caller_id)  # 404 in Chinese for an unknown caller
    return list(session.scalars(select(CallerPhone.number).where(CallerPhone.caller_id == caller_id)))


@router.get("/{caller_id}/calls", response_model=Page[CdrOut])
def caller_calls(
    caller_id: IdPath,
    params: ListParams = Depends(),
    p: Principal = Depends(require("calls.read")),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, object]:
    """Calls tied to this caller, or from any of their numbers, newest first."""
    numbers = _numbers(session, p, caller_id)
    stmt = select(Call).where(or_(Call.caller_id == caller_id, Call.caller_number.in_(numbers)))
    sortable = {"started_at": Call.started_at}
    return paginate(session, stmt, params, sortable, Call.id, lambda r: _cdr(r, p.pii), "-started_at")


@router.get("/{caller_id}/recordings", response_model=Page[RecordingOut])
def caller_recordings(
    caller_id: IdPath,
    params: ListParams = Depends(),
    p: Principal = Depends(require("recordings.read")),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, object]:
    """Recordings of this caller's calls (by call or by number), deleted ones left out."""
    numbers = _numbers(session, p, caller_id)
    calls = select(Call.uuid).where(Call.caller_id == caller_id)
    stmt = select(Recording).where(
        Recording.deleted_at.is_(None),
        or_(Recording.call_uuid.in_(calls), Recording.caller_number.in_(numbers)),
    )
    sortable = {"started_at": Recording.started_at}
    return paginate(session, stmt, params, sortable, Recording.id, lambda r: _rec(r, p.pii), "-started_at")


@router.get("/{caller_id}/return-visits", response_model=list[dict[str, Any]])
def caller_return_visits(
    caller_id: IdPath,
    limit: int = Query(100, ge=1, le=500),
    p: Principal = Depends(require("workorders.read")),
    session: Session = Depends(get_session, scope="function"),
) -> list[dict[str, Any]]:
    """Return visits (pending and done) of the caller's work orders, newest first."""
    _numbers(session, p, caller_id)
    rows = session.execute(
        select(ReturnVisit, WorkOrder.number)
        .join(WorkOrder, WorkOrder.id == ReturnVisit.workorder_id)
        .where(WorkOrder.caller_id == caller_id)
        .order_by(ReturnVisit.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": v.id,
            "workorder_id": v.workorder_id,
            "number": n,
            "status": v.status,
            "method": v.method,
            "satisfaction": v.satisfaction,
            # A free-text note may carry a phone number: masked like every other note.
            "note": v.note if p.pii or v.note is None else mask_text(v.note),
            "created_at": v.created_at,
            "done_at": v.done_at,
        }
        for v, n in rows
    ]
