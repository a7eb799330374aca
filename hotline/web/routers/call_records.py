"""Call records over HTTP: CDRs with their legs, the queue log, and recordings (search, ranged
and audited playback, tags, time marks, retention). Same prefix as the live call API (`calls.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.calls import marks, recordings
from hotline.calls.models import Call, CallLeg, QueueEventRow, Recording
from hotline.calls.schemas import (
    CdrDetailOut,
    CdrOut,
    LegOut,
    MarkOut,
    QueueEventOut,
    RecordingOut,
    RecordingPatch,
    RetentionIn,
)
from hotline.errors import NotFound
from hotline.people.masking import mask_phone
from hotline.schemas import Page
from hotline.web.auth import Principal, require
from hotline.web.deps import get_session
from hotline.web.pagination import ListParams, paginate

router = APIRouter(prefix="/api/calls", tags=["calls"])
Result = dict[str, Any]


# --- records --------------------------------------------------------------------------------------


def _cdr(row: Call, pii: bool) -> CdrOut:
    out = CdrOut.model_validate(row)
    if not pii:
        out.caller_number = mask_phone(out.caller_number)
    return out


@router.get("/cdrs", response_model=Page[CdrOut])
def list_cdrs(
    params: ListParams = Depends(),
    caller: str | None = Query(None, max_length=32),
    agent_id: int | None = Query(None, ge=1, le=2**31 - 1),
    queue: str | None = Query(None, max_length=64),
    state: str | None = Query(None, max_length=16),
    since: datetime | None = None,
    until: datetime | None = None,
    p: Principal = Depends(require("calls.read")),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, object]:
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
    return paginate(session, stmt, params, sortable, Call.id, lambda r: _cdr(r, p.pii), "-started_at")


@router.get("/cdrs/{cdr_id}", response_model=CdrDetailOut)
def get_cdr(
    cdr_id: int,
    p: Principal = Depends(require("calls.read")),
    session: Session = Depends(get_session, scope="function"),
) -> CdrDetailOut:
    row = session.get(Call, cdr_id)
    if row is None:
        raise NotFound(f"no call {cdr_id}", f"通话 {cdr_id} 不存在")
    legs = session.scalars(select(CallLeg).where(CallLeg.call_id == row.id).order_by(CallLeg.id))
    events = session.scalars(
        select(QueueEventRow).where(QueueEventRow.call_uuid == row.uuid).order_by(QueueEventRow.id)
    )
    out = CdrDetailOut(
        **_cdr(row, p.pii).model_dump(),
        ivr_path=row.ivr_path,
        legs=[LegOut.model_validate(leg) for leg in legs],
        queue_events=[QueueEventOut.model_validate(e) for e in events],
    )
    if not p.pii:
        for leg in out.legs:
            leg.number = mask_phone(leg.number)
    return out


@router.get("/queue-events", response_model=Page[QueueEventOut])
def queue_events(
    params: ListParams = Depends(),
    queue: str | None = Query(None, max_length=64),
    kind: str | None = Query(None, max_length=32),
    call_uuid: str | None = Query(None, max_length=64),
    _: Principal = Depends(require("calls.read")),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, object]:
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


def _rec(row: Recording, pii: bool) -> RecordingOut:
    out = RecordingOut.model_validate(row)
    if not pii:
        out.caller_number = mask_phone(out.caller_number)
    return out


@router.get("/recordings", response_model=Page[RecordingOut])
def list_recordings(
    params: ListParams = Depends(),
    agent_id: int | None = Query(None, ge=1, le=2**31 - 1),
    caller: str | None = Query(None, max_length=32),
    queue: str | None = Query(None, max_length=64),
    tag: str | None = Query(None, max_length=64),
    work_order_id: int | None = Query(None, ge=1, le=2**31 - 1),
    since: datetime | None = None,
    until: datetime | None = None,
    p: Principal = Depends(require("recordings.read")),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, object]:
    stmt = recordings.search(agent_id, caller, queue, tag, work_order_id, since, until)
    sortable = {"started_at": Recording.started_at}
    return paginate(session, stmt, params, sortable, Recording.id, lambda r: _rec(r, p.pii), "-started_at")


@router.get(
    "/recordings/{recording_id}/audio",
    response_class=Response,
    responses={200: {"content": {"audio/wav": {}}}, 206: {"content": {"audio/wav": {}}}},
)
def play_recording(
    recording_id: int,
    range_header: str | None = Header(None, alias="Range", max_length=100),
    p: Principal = Depends(require("recordings.read")),
    session: Session = Depends(get_session, scope="function"),
) -> Response:
    """The WAV file; honours `Range: bytes=a-b` (206) so players can seek. Every access is audited."""
    data, start, end, size = recordings.read(session, p.actor, recording_id, range_header)
    headers = {"Accept-Ranges": "bytes", "Content-Length": str(len(data))}
    if range_header:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return Response(data, status_code=206 if range_header else 200, media_type="audio/wav", headers=headers)


@router.patch("/recordings/{recording_id}", response_model=RecordingOut)
def tag_recording(
    recording_id: int,
    body: RecordingPatch,
    p: Principal = Depends(require("recordings.admin")),
    session: Session = Depends(get_session, scope="function"),
) -> RecordingOut:
    return _rec(
        recordings.tag(session, p.actor, recording_id, body.tags, body.topic, body.work_order_id), p.pii
    )


@router.get("/recordings/{recording_id}/marks", response_model=list[MarkOut])
def recording_marks(
    recording_id: int,
    _: Principal = Depends(require("recordings.read")),
    session: Session = Depends(get_session, scope="function"),
) -> list[MarkOut]:
    """The recording's time marks in order: hold/unhold, transfer, conference, supervisor
    listen/whisper/barge, work order, agent marks; `offset_seconds` from the recording's start."""
    return marks.for_recording(session, recording_id)


@router.post("/recordings/retention")
def retention(
    body: RetentionIn,
    p: Principal = Depends(require("recordings.admin")),
    session: Session = Depends(get_session, scope="function"),
) -> Result:
    """Delete recording files older than `days` (the index keeps a tombstone)."""
    return {"deleted": recordings.apply_retention(session, p.actor, body.days)}
