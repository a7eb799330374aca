"""Call records over HTTP: CDRs with their legs, the queue log, and recordings (search, ranged
and audited playback, tags, time marks, retention). Same prefix as the live call API (`calls.py`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import AwareDatetime

from hotline.calls import history, marks, recordings
from hotline.calls.schemas import (
    CdrDetailOut,
    CdrOut,
    MarkOut,
    QueueEventOut,
    RecordingOut,
    RecordingPatch,
    RetentionIn,
)
from hotline.schemas import Page
from hotline.web.auth import Principal, require
from hotline.web.deps import ListDep, SessionDep

router = APIRouter(prefix="/api/calls", tags=["calls"])
Result = dict[str, Any]

CallsRead = Annotated[Principal, Depends(require("calls.read"))]
RecordingsRead = Annotated[Principal, Depends(require("recordings.read"))]
RecordingsAdmin = Annotated[Principal, Depends(require("recordings.admin"))]


# --- records --------------------------------------------------------------------------------------


@router.get("/cdrs", response_model=Page[CdrOut])
def list_cdrs(
    params: ListDep,
    p: CallsRead,
    session: SessionDep,
    caller: str | None = Query(None, max_length=32),
    agent_id: int | None = Query(None, ge=1, le=2**31 - 1),
    queue: str | None = Query(None, max_length=64),
    state: str | None = Query(None, max_length=16),
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
) -> dict[str, object]:
    return history.cdrs_page(session, params, p.pii, caller, agent_id, queue, state, since, until)


@router.get("/cdrs/{cdr_id}", response_model=CdrDetailOut)
def get_cdr(cdr_id: int, p: CallsRead, session: SessionDep) -> CdrDetailOut:
    return history.cdr_detail(session, cdr_id, p.pii)


@router.get("/queue-events", response_model=Page[QueueEventOut])
def queue_events(
    params: ListDep,
    _: CallsRead,
    session: SessionDep,
    queue: str | None = Query(None, max_length=64),
    kind: str | None = Query(None, max_length=32),
    call_uuid: str | None = Query(None, max_length=64),
) -> dict[str, object]:
    return history.queue_events_page(session, params, queue, kind, call_uuid)


@router.get("/recordings", response_model=Page[RecordingOut])
def list_recordings(
    params: ListDep,
    p: RecordingsRead,
    session: SessionDep,
    agent_id: int | None = Query(None, ge=1, le=2**31 - 1),
    caller: str | None = Query(None, max_length=32),
    queue: str | None = Query(None, max_length=64),
    tag: str | None = Query(None, max_length=64),
    work_order_id: int | None = Query(None, ge=1, le=2**31 - 1),
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
) -> dict[str, object]:
    return history.recordings_page(
        session, params, p.pii, agent_id, caller, queue, tag, work_order_id, since, until
    )


@router.get(
    "/recordings/{recording_id}/audio",
    response_class=Response,
    responses={200: {"content": {"audio/wav": {}}}, 206: {"content": {"audio/wav": {}}}},
)
def play_recording(
    recording_id: int,
    p: RecordingsRead,
    session: SessionDep,
    range_header: str | None = Header(None, alias="Range", max_length=100),
) -> Response:
    """The WAV file; honours `Range: bytes=a-b` (206) so players can seek. Every access is audited."""
    data, start, end, size = recordings.read(session, p.actor, recording_id, range_header)
    headers = {"Accept-Ranges": "bytes", "Content-Length": str(len(data))}
    if range_header:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return Response(data, status_code=206 if range_header else 200, media_type="audio/wav", headers=headers)


@router.patch("/recordings/{recording_id}", response_model=RecordingOut)
def tag_recording(
    recording_id: int, body: RecordingPatch, p: RecordingsAdmin, session: SessionDep
) -> RecordingOut:
    row = recordings.tag(session, p.actor, recording_id, body.tags, body.topic, body.work_order_id)
    return history.recording_out(row, p.pii)


@router.get("/recordings/{recording_id}/marks", response_model=list[MarkOut])
def recording_marks(recording_id: int, _: RecordingsRead, session: SessionDep) -> list[MarkOut]:
    """The recording's time marks in order: hold/unhold, transfer, conference, supervisor
    listen/whisper/barge, work order, agent marks; `offset_seconds` from the recording's start."""
    return marks.for_recording(session, recording_id)


@router.post("/recordings/retention")
def retention(body: RetentionIn, p: RecordingsAdmin, session: SessionDep) -> Result:
    """Delete recording files older than `days` (the index keeps a tombstone)."""
    return {"deleted": recordings.apply_retention(session, p.actor, body.days)}
