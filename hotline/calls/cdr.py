"""Writing CDRs, legs, the queue log and agent state history as calls happen, and crash recovery.

Rows are written at each step (not at the end of the call), so after a crash the database shows
exactly which calls were in progress; `recover` marks them ended by failure and indexes every
complete recording file the crash left behind (the recorder renames a file to .wav only once it is
complete; a .part file is salvaged with its header patched and flagged incomplete).
"""

from __future__ import annotations

import json
import os
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record
from hotline.calls.models import AgentStateRow, Call, CallLeg, PendingCallback, QueueEventRow, Recording
from hotline.calls.ops import durable
from hotline.errors import NotFound
from hotline.store.base import utcnow
from hotline.store.db import Database

FAILURE_CAUSE = "system_failure"
RECENT_HOURS = 48  # a crash leaves files only for calls in progress: look that far back


def call_row(session: Session, uuid: str) -> Call | None:
    stmt = select(Call).where(Call.uuid == uuid).execution_options(populate_existing=True)
    return session.scalar(stmt)


# The hot path uses Core statements, not ORM objects: one round trip each, no identity map to
# keep in step, which matters when a batch writer runs ~15 of them per call.


@durable("calls.open_call")
def open_call(session: Session, uuid: str, **fields: Any) -> int:
    values = {"uuid": uuid, "state": "active", "ivr_path": {}, "started_at": utcnow(), **fields}
    return int(session.execute(insert(Call).values(**values).returning(Call.id)).scalar_one())


@durable("calls.update_call")
def update_call(session: Session, uuid: str, **fields: Any) -> None:
    session.execute(update(Call).where(Call.uuid == uuid).values(**fields))


@durable("calls.add_leg")
def add_leg(
    session: Session,
    uuid: str,
    leg_uuid: str,
    role: str,
    number: str | None,
    agent_id: int | None,
    at: datetime | None = None,
) -> None:
    call_id = session.scalar(select(Call.id).where(Call.uuid == uuid))
    if call_id is not None:
        values = {"leg_uuid": leg_uuid, "role": role, "number": number, "agent_id": agent_id}
        session.execute(insert(CallLeg).values(call_id=call_id, started_at=at or utcnow(), **values))


@durable("calls.leg_update")
def leg_update(session: Session, leg_uuid: str, **fields: Any) -> None:
    session.execute(update(CallLeg).where(CallLeg.leg_uuid == leg_uuid).values(**fields))


@durable("calls.end_call")
def end_call(
    session: Session, uuid: str, outcome: str | None, cause: str | None, at: datetime | None = None
) -> Call | None:
    row = call_row(session, uuid)
    if row is None or row.state != "active":
        return row
    now = at or utcnow()
    row.state = "ended"
    row.ended_at = now
    row.end_cause = cause
    row.outcome = row.outcome or outcome
    if row.answered_at is not None:
        row.talk_seconds = round((now - row.answered_at).total_seconds(), 3)
    for leg in session.scalars(select(CallLeg).where(CallLeg.call_id == row.id, CallLeg.ended_at.is_(None))):
        leg.ended_at = now
        leg.end_cause = leg.end_cause or cause
    return row


def queue_event_row(
    call_uuid: str,
    queue: str,
    kind: str,
    at: datetime,
    agent_id: int | None,
    wait: float | None,
    data: dict[str, Any],
) -> dict[str, Any]:
    return {
        "call_uuid": call_uuid,
        "queue": queue,
        "kind": kind,
        "at": at,
        "agent_id": agent_id,
        "wait_seconds": None if wait is None else round(wait, 3),
        "data": data,
    }


def queue_event(
    session: Session,
    call_uuid: str,
    queue: str,
    kind: str,
    at: datetime,
    agent_id: int | None,
    wait: float | None,
    data: dict[str, Any],
) -> None:
    session.execute(
        insert(QueueEventRow).values(
            call_uuid=call_uuid,
            queue=queue,
            kind=kind,
            at=at,
            agent_id=agent_id,
            wait_seconds=None if wait is None else round(wait, 3),
            data=data,
        )
    )


def agent_state(session: Session, agent_id: int, state: str, reason: str | None, at: datetime) -> None:
    session.execute(insert(AgentStateRow).values(agent_id=agent_id, state=state, reason=reason, at=at))


def index_recording(session: Session, path: Path, complete: bool, **fields: Any) -> Recording:
    existing = session.scalar(select(Recording).where(Recording.path == str(path)))
    if existing is not None:
        return existing
    meta: dict[str, Any] = {}
    meta_path = path.with_suffix(".json")
    if meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
    size = path.stat().st_size if path.exists() else None
    duration = meta.get("duration_seconds")
    if duration is None and size:
        duration = max(0, size - 44) / 32000
    ended = utcnow()
    # When the recorder started (its metadata), else the end less the audio's length.
    started = ended - timedelta(seconds=float(duration or 0))
    if isinstance(meta.get("started_at"), int | float):
        started = datetime.fromtimestamp(float(meta["started_at"]), UTC)
    row = Recording(
        path=str(path),
        size_bytes=size,
        duration_seconds=duration,
        complete=complete,
        started_at=started,
        ended_at=ended,
        tags={},
        **{"call_uuid": str(meta.get("call_id", path.name.split(".")[0])), **fields},
    )
    session.add(row)
    session.flush()
    return row


@durable("calls.index_recording")
def index_recording_file(session: Session, path: str, complete: bool = True, **fields: Any) -> None:
    """Index the recording at `path` if the file is there (a call that ended without one: nothing)."""
    if Path(path).exists():
        index_recording(session, Path(path), complete, **fields)


def _salvage(part: Path) -> Path:
    """Patch the RIFF sizes of a partial recording and keep it as NAME.partial.wav."""
    size = part.stat().st_size
    data = max(0, size - 44) // 4 * 4
    with open(part, "r+b") as f:
        f.seek(4)
        f.write(struct.pack("<I", 36 + data))
        f.seek(40)
        f.write(struct.pack("<I", data))
        f.flush()
        os.fsync(f.fileno())
    target = part.with_name(part.name.removesuffix(".wav.part") + ".partial.wav")
    os.replace(part, target)
    return target


def _recent_files(root: Path, since: datetime) -> list[Path]:
    """Recording files written since `since`: the engine files calls under YYYY/MM/DD, so only the
    last few day folders (and voicemail/) are walked, not years of archive."""
    folders = {root / "voicemail"}
    day = since.date()
    while day <= utcnow().date():
        folders.add(root / day.strftime("%Y/%m/%d"))
        day += timedelta(days=1)
    stamp = since.timestamp()
    out: list[Path] = []
    for folder in folders:
        if folder.is_dir():
            out += [f for f in folder.iterdir() if f.is_file() and f.stat().st_mtime >= stamp]
    return sorted(out)


def recover(db: Database, recordings_dir: Path | None = None) -> dict[str, int]:
    """After a crash: close open calls as failed (but those owed a callback, restored at start)
    and index recordings found on disk."""
    now = utcnow()
    out = {"calls": 0, "recordings": 0, "partial": 0}
    with db.session() as s:
        # A call waiting for its callback is not cut by the restart: it is restored, CDR open.
        owed = select(PendingCallback.call_uuid)
        open_ids = list(s.scalars(select(Call.id).where(Call.state == "active", Call.uuid.not_in(owed))))
        if open_ids:
            s.execute(
                update(Call)
                .where(Call.id.in_(open_ids))
                .values(state="failed", ended_at=now, end_cause=FAILURE_CAUSE, outcome="failed")
            )
            s.execute(
                update(CallLeg)
                .where(CallLeg.call_id.in_(open_ids), CallLeg.ended_at.is_(None))
                .values(ended_at=now, end_cause=FAILURE_CAUSE)
            )
        out["calls"] = len(open_ids)
        if recordings_dir is not None and recordings_dir.exists():
            files = _recent_files(recordings_dir, now - timedelta(hours=RECENT_HOURS))
            paths = [str(f) for f in files]
            known = (
                set(s.scalars(select(Recording.path).where(Recording.path.in_(paths)))) if paths else set()
            )
            for part in (f for f in files if f.name.endswith(".wav.part")):
                index_recording(s, _salvage(part), False)
                out["partial"] += 1
            for wav in (f for f in files if f.name.endswith(".wav") and not f.name.endswith(".partial.wav")):
                if str(wav) not in known:
                    index_recording(s, wav, True)
                    out["recordings"] += 1
    return out


def record_disposition(
    session: Session, actor: Actor, agent_id: int, code: str, note: str | None, call_uuid: str | None
) -> dict[str, Any]:
    """The agent's 通话小结 for their call (`call_uuid`, else their latest call): only a call they
    took or placed; audited."""
    stmt = select(Call).where(Call.agent_id == agent_id)
    stmt = stmt.where(Call.uuid == call_uuid) if call_uuid else stmt.order_by(Call.started_at.desc())
    call = session.scalars(stmt.limit(1)).first()
    if call is None:
        raise NotFound("no call of yours to sum up", "没有可填写小结的通话")
    before = {"disposition": call.disposition, "disposition_note": call.disposition_note}
    call.disposition, call.disposition_note = code, (note or None)
    after = {"disposition": code, "disposition_note": call.disposition_note}
    record(session, actor, "call.disposition", "call", call.uuid, before, after)
    return {"call_id": call.uuid, **after}
