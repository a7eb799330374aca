"""One caller's history for the caller 360° page: their calls, recordings and return visits.

The CDR and recording lists filter by one number; a caller may have several numbers, and a call
answered before the caller was on file carries only the number. These endpoints gather by the
caller's id and all their numbers, under the same permissions and masking as the general lists.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from hotline.calls import history
from hotline.calls.schemas import CdrOut, RecordingOut
from hotline.errors import Forbidden
from hotline.people.service import caller_numbers
from hotline.schemas import Page
from hotline.web.auth import Principal, require
from hotline.web.deps import IdPath, ListDep, SessionDep
from hotline.workorders.queries import caller_return_visits as return_visits_of

router = APIRouter(prefix="/api/callers", tags=["callers"])

CallsRead = Annotated[Principal, Depends(require("calls.read"))]
RecordingsRead = Annotated[Principal, Depends(require("recordings.read"))]
WorkordersRead = Annotated[Principal, Depends(require("workorders.read"))]


def _numbers(session: Session, p: Principal, caller_id: int) -> list[str]:
    """The caller's numbers; the reader must also be allowed to look up callers."""
    if not p.can("callers.read"):
        raise Forbidden(
            f"role {p.role.value} lacks permission callers.read",
            "当前角色无 callers.read 权限",
            permission="callers.read",
        )
    return caller_numbers(session, caller_id)  # 404 in Chinese for an unknown caller


@router.get("/{caller_id}/calls", response_model=Page[CdrOut])
def caller_calls(caller_id: IdPath, params: ListDep, p: CallsRead, session: SessionDep) -> dict[str, object]:
    """Calls tied to this caller, or from any of their numbers, newest first."""
    numbers = _numbers(session, p, caller_id)
    return history.caller_calls_page(session, caller_id, numbers, params, p.pii)


@router.get("/{caller_id}/recordings", response_model=Page[RecordingOut])
def caller_recordings(
    caller_id: IdPath, params: ListDep, p: RecordingsRead, session: SessionDep
) -> dict[str, object]:
    """Recordings of this caller's calls (by call or by number), deleted ones left out."""
    numbers = _numbers(session, p, caller_id)
    return history.caller_recordings_page(session, caller_id, numbers, params, p.pii)


@router.get("/{caller_id}/return-visits", response_model=list[dict[str, Any]])
def caller_return_visits(
    caller_id: IdPath, p: WorkordersRead, session: SessionDep, limit: int = Query(100, ge=1, le=500)
) -> list[dict[str, Any]]:
    """Return visits (pending and done) of the caller's work orders, newest first."""
    _numbers(session, p, caller_id)
    return return_visits_of(session, caller_id, limit, p.pii)
