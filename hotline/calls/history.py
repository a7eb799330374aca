"""What the call-record pages read: CDRs (filtered, newest first) and one CDR with its legs and
queue events, the queue log, the recordings list, and one caller's calls and recordings gathered
by the caller's id and every number of theirs (a call answered before the caller was on file
carries only the number). Numbers are masked for readers without `pii`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline.calls import recordings
from hotline.calls.models import Call, CallLeg, QueueEventRow, Recording
from hotline.calls.schemas import CdrDetailOut, CdrOut, LegOut, QueueEventOut, RecordingOut
from hotline.errors import NotFound
from hotline.masking import mask_phone
from hotline.store.pagination import PageRequest, paginate


def cdr_out(row: Call, pii: bool) -> CdrOut:
    out = CdrOut.model_validate(row)
    if not pii:
        out.caller_number = mask_phone(out.caller_number)
    return out


def recording_out(row: Recording, pii: bool) -> RecordingOut:
    out = RecordingOut.model_validate(row)
    if not pii:
        out.caller_number = mask_phone(out.caller_number)
    return out


def cdrs_page(
    session: Session,
    params: PageRequest,
    pii: bool,
    caller: str | None = None,
    agent_id: int | None = None,
    queue: str | None = None,
    state: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    stmt = select(Call)
    for col, value in ((Call.caller_number, caller), (Call.agent_id, agent_id), (Call.queue, queue)):
        if value is not None:
            stmt = stmt.where(col == value)
    if state:
        stmt = stmt.where(Call.state == state)
    if since:
        stmt = stmt.where(Call.started_at >= since)
    if until:
        stmt = stmt.where(Call.started_at < until)
    sortable = {"started_at": Call.started_at}
    return paginate(session, stmt, params, sortable, Call.id, lambda r: cdr_out(r, pii), "-started_at")


def cdr_detail(session: Session, cdr_id: int, pii: bool) -> CdrDetailOut:
    """One call record with its legs and its queue log, in order."""
    row = session.get(Call, cdr_id)
    if row is None:
        raise NotFound(f"no call {cdr_id}", f"通话 {cdr_id} 不存在")
    legs = session.scalars(select(CallLeg).where(CallLeg.call_id == row.id).order_by(CallLeg.id))
    events = session.scalars(
        select(QueueEventRow).where(QueueEventRow.call_uuid == row.uuid).order_by(QueueEventRow.id)
    )
    out = CdrDetailOut(
        **cdr_out(row, pii).model_dump(),
        ivr_path=row.ivr_path,
        legs=[LegOut.model_validate(leg) for leg in legs],
        queue_events=[QueueEventOut.model_validate(e) for e in events],
    )
    if not pii:
        for leg in out.legs:
            leg.number = mask_phone(leg.number)
    return out


def queue_events_page(
    session: Session, params: PageRequest, queue: str | None, kind: str | None, call_uuid: str | None
) -> dict[str, Any]:
    stmt = select(QueueEventRow)
    for col, value in (
        (QueueEventRow.queue, queue),
        (QueueEventRow.kind, kind),
        (QueueEventRow.call_uuid, call_uuid),
    ):
        if value:
            stmt = stmt.where(col == value)
    return paginate(
        session, stmt, params, {"at": QueueEventRow.at}, QueueEventRow.id, QueueEventOut.model_validate
    )


def recordings_page(
    session: Session,
    params: PageRequest,
    pii: bool,
    agent_id: int | None = None,
    caller: str | None = None,
    queue: str | None = None,
    tag: str | None = None,
    work_order_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    stmt = recordings.search(agent_id, caller, queue, tag, work_order_id, since, until)
    sortable = {"started_at": Recording.started_at}
    return paginate(
        session, stmt, params, sortable, Recording.id, lambda r: recording_out(r, pii), "-started_at"
    )


def caller_calls_page(
    session: Session, caller_id: int, numbers: list[str], params: PageRequest, pii: bool
) -> dict[str, Any]:
    """Calls tied to this caller, or from any of their numbers, newest first."""
    stmt = select(Call).where(or_(Call.caller_id == caller_id, Call.caller_number.in_(numbers)))
    sortable = {"started_at": Call.started_at}
    return paginate(session, stmt, params, sortable, Call.id, lambda r: cdr_out(r, pii), "-started_at")


def caller_recordings_page(
    session: Session, caller_id: int, numbers: list[str], params: PageRequest, pii: bool
) -> dict[str, Any]:
    """Recordings of this caller's calls (by call or by number), deleted ones left out."""
    calls = select(Call.uuid).where(Call.caller_id == caller_id)
    stmt = select(Recording).where(
        Recording.deleted_at.is_(None),
        or_(Recording.call_uuid.in_(calls), Recording.caller_number.in_(numbers)),
    )
    sortable = {"started_at": Recording.started_at}
    return paginate(
        session, stmt, params, sortable, Recording.id, lambda r: recording_out(r, pii), "-started_at"
    )
