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
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hotline.calls.models import AgentStateRow, Call, CallLeg, QueueEventRow, Recording
from hotline.store.base import utcnow
from hotline.store.db import Database

FAILURE_CAUSE = "system_failure"


def call_row(session: Session, uuid: str) -> Call | None:
    return session.scalar(select(Call).where(Call.uuid == uuid))


def open_call(session: Session, uuid: str, **fields: Any) -> Call:
    row = Call(uuid=uuid, state="active", ivr_path={}, **fields)
    session.add(row)
    session.flush()
    return row


def update_call(session: Session, uuid: str, **fields: Any) -> Call | None:
    row = call_row(session, uuid)
    if row is not None:
        for key, value in fields.items():
            setattr(row, key, value)
    return row


def add_leg(
    session: Session, uuid: str, leg_uuid: str, role: str, number: str | None, agent_id: int | None
) -> None:
    row = call_row(session, uuid)
    if row is not None:
        session.add(CallLeg(call_id=row.id, leg_uuid=leg_uuid, role=role, number=number, agent_id=agent_id))


def leg_update(session: Session, leg_uuid: str, **fields: Any) -> None:
    leg = session.scalar(select(CallLeg).where(CallLeg.leg_uuid == leg_uuid).order_by(CallLeg.id.desc()))
    if leg is not None:
        for key, value in fields.items():
            setattr(leg, key, value)


def end_call(session: Session, uuid: str, outcome: str | None, cause: str | None) -> Call | None:
    row = call_row(session, uuid)
    if row is None or row.state != "active":
        return row
    now = utcnow()
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
    session.add(
        QueueEventRow(
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
    session.add(AgentStateRow(agent_id=agent_id, state=state, reason=reason, at=at))


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
    row = Recording(
        path=str(path),
        size_bytes=size,
        duration_seconds=duration,
        complete=complete,
        ended_at=utcnow(),
        tags={},
        **{"call_uuid": str(meta.get("call_id", path.name.split(".")[0])), **fields},
    )
    session.add(row)
    session.flush()
    return row


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


def recover(db: Database, recordings_dir: Path | None = None) -> dict[str, int]:
    """After a crash: close open calls as failed and index recordings found on disk."""
    now = utcnow()
    out = {"calls": 0, "recordings": 0, "partial": 0}
    with db.session() as s:
        open_ids = list(s.scalars(select(Call.id).where(Call.state == "active")))
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
            known = set(s.scalars(select(Recording.path)))
            for part in recordings_dir.rglob("*.wav.part"):
                salvaged = _salvage(part)
                index_recording(s, salvaged, False)
                out["partial"] += 1
            for wav in recordings_dir.rglob("*.wav"):
                if str(wav) not in known and not wav.name.endswith(".partial.wav"):
                    index_recording(s, wav, True)
                    out["recordings"] += 1
    return out
