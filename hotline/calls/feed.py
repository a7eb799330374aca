"""Read-only facts of calls and recordings for other domains (quality inspection's checks and
sampling), so they never query the call tables themselves.

Plain frozen dataclasses out, no ORM rows: a reader cannot change a call by accident, and the
call tables may change shape without breaking them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.calls.models import Call, Recording, RecordingMark


@dataclass(frozen=True)
class RecordingFact:
    id: int
    call_uuid: str
    path: str
    agent_id: int | None
    started_at: datetime
    duration_seconds: float | None
    complete: bool
    deleted: bool
    work_order_id: int | None = None  # the order opened or linked on the call


@dataclass(frozen=True)
class CallFact:
    uuid: str
    agent_id: int | None
    caller_number: str | None
    queue: str | None
    outcome: str | None
    started_at: datetime
    wait_seconds: float | None
    talk_seconds: float | None


def _recording(row: Recording) -> RecordingFact:
    return RecordingFact(
        row.id,
        row.call_uuid,
        row.path,
        row.agent_id,
        row.started_at,
        row.duration_seconds,
        row.complete,
        row.deleted_at is not None,
        row.work_order_id,
    )


def _call(row: Call) -> CallFact:
    return CallFact(
        row.uuid,
        row.agent_id,
        row.caller_number,
        row.queue,
        row.outcome,
        row.started_at,
        row.wait_seconds,
        row.talk_seconds,
    )


def recordings_since(session: Session, since: datetime, limit: int = 500) -> list[RecordingFact]:
    """Recordings (not deleted) started since `since`, oldest first."""
    stmt = (
        select(Recording)
        .where(Recording.deleted_at.is_(None), Recording.started_at >= since)
        .order_by(Recording.id)
        .limit(limit)
    )
    return [_recording(r) for r in session.scalars(stmt)]


def recordings_of_call(session: Session, call_uuid: str) -> list[RecordingFact]:
    stmt = select(Recording).where(Recording.call_uuid == call_uuid).order_by(Recording.id)
    return [_recording(r) for r in session.scalars(stmt)]


def recording(session: Session, recording_id: int) -> RecordingFact | None:
    row = session.get(Recording, recording_id)
    return None if row is None else _recording(row)


def hold_marks(session: Session, call_uuid: str) -> list[tuple[float, str]]:
    """(offset seconds, "hold"|"unhold") of the call's recording marks."""
    stmt = select(RecordingMark.offset_seconds, RecordingMark.kind).where(
        RecordingMark.call_uuid == call_uuid, RecordingMark.kind.in_(("hold", "unhold"))
    )
    return [(float(offset), str(kind)) for offset, kind in session.execute(stmt)]


def ended_calls(session: Session, since: datetime, until: datetime) -> list[CallFact]:
    """Calls that ended, started in [since, until), oldest first."""
    stmt = (
        select(Call)
        .where(Call.state != "active", Call.started_at >= since, Call.started_at < until)
        .order_by(Call.started_at, Call.id)
    )
    return [_call(r) for r in session.scalars(stmt)]


def calls_from(session: Session, numbers: list[str], since: datetime, until: datetime) -> list[CallFact]:
    """Calls from these caller numbers started in [since, until) (repeat callers)."""
    if not numbers:
        return []
    stmt = select(Call).where(
        Call.caller_number.in_(numbers), Call.started_at >= since, Call.started_at < until
    )
    return [_call(r) for r in session.scalars(stmt.order_by(Call.started_at))]


def calls_by_uuid(session: Session, uuids: list[str]) -> dict[str, CallFact]:
    if not uuids:
        return {}
    return {r.uuid: _call(r) for r in session.scalars(select(Call).where(Call.uuid.in_(uuids)))}
