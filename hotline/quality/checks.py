"""The automatic checks job: analyse each new recording once and store what the audio says.

`check_recording` is idempotent (one `quality_audio_checks` row per recording; a second run, or a
race between the call-ended subscription and the catch-up job, finds the row and stops). A file
that is not a readable WAV is stored as `corrupt` with the reason, a vanished one as `missing`,
and the run goes on with the next recording. The analysis itself (`audio.py`, `metrics.py`) runs
before the row is written, outside any lock.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record
from hotline.bus import publish_on_commit
from hotline.calls import feed
from hotline.errors import NotFound
from hotline.quality.audio import AudioParams, BadAudio, analyse
from hotline.quality.metrics import CheckParams, compute
from hotline.quality.models import AudioCheck
from hotline.quality.topics import AudioChecked
from hotline.store.db import Database

log = logging.getLogger(__name__)
ACTOR = Actor(None, "quality-checks")
CATCH_UP_DAYS = 3  # the job looks back this far for recordings the subscription missed
BATCH = 200


def existing(session: Session, recording_id: int) -> AudioCheck | None:
    return session.scalar(select(AudioCheck).where(AudioCheck.recording_id == recording_id))


def measure(
    path: Path,
    marks: list[tuple[float, str]],
    audio: AudioParams | None = None,
    checks: CheckParams | None = None,
) -> tuple[str, str | None, dict[str, Any], dict[str, Any]]:
    """(status, error, metrics, segments) of one file; never raises for a bad file."""
    if not path.exists():
        return "missing", "the recording file is gone", {}, {}
    try:
        result = analyse(path, audio)
    except (BadAudio, ValueError) as exc:  # ValueError: a header numpy cannot shape
        return "corrupt", str(exc)[:500], {}, {}
    metrics = compute(result, marks, checks)
    segments: dict[str, Any] = {name: [list(s) for s in ch.segments] for name, ch in result.channels.items()}
    segments["peaks"] = {name: [list(p) for p in ch.peaks] for name, ch in result.channels.items()}
    return "ok", None, metrics, segments


def check_recording(session: Session, rec: feed.RecordingFact) -> AudioCheck:
    found = existing(session, rec.id)
    if found is not None:
        return found
    marks = feed.hold_marks(session, rec.call_uuid)
    status, error, metrics, segments = measure(Path(rec.path), marks)
    row = AudioCheck(
        recording_id=rec.id,
        call_uuid=rec.call_uuid,
        agent_id=rec.agent_id,
        status=status,
        error=error,
        metrics=metrics,
        segments=segments,
        flags=list(metrics.get("flags", [])),
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # the other path (subscription or job) stored it meanwhile
        found = existing(session, rec.id)
        if found is None:
            raise
        return found
    record(
        session,
        ACTOR,
        "quality.audio_check",
        "recording",
        rec.id,
        None,
        {"status": status, "flags": row.flags},
    )
    event = AudioChecked(recording_id=rec.id, call_id=rec.call_uuid, status=status, flags=row.flags)
    publish_on_commit(session, event)
    if status != "ok":
        log.warning("recording %s not analysed (%s): %s", rec.id, status, error)
    return row


def check_call(db: Database, call_uuid: str) -> list[int]:
    """Check every recording of one call (the call-ended subscription); ids of the rows."""
    with db.session() as session:
        return [check_recording(session, rec).id for rec in feed.recordings_of_call(session, call_uuid)]


def check_pending(db: Database, now: datetime) -> int:
    """Catch-up job: every recent recording without a check; a bad file never stops the batch."""
    done = 0
    with db.session() as session:
        recent = feed.recordings_since(session, now - timedelta(days=CATCH_UP_DAYS), limit=5000)
        ids = [r.id for r in recent]
        seen = (
            set(session.scalars(select(AudioCheck.recording_id).where(AudioCheck.recording_id.in_(ids))))
            if ids
            else set()
        )
    for rec in [r for r in recent if r.id not in seen][:BATCH]:
        with db.session() as session:  # one transaction per recording: a failure loses only it
            check_recording(session, rec)
            done += 1
    return done


def get_for_recording(session: Session, recording_id: int) -> AudioCheck:
    row = existing(session, recording_id)
    if row is None:
        raise NotFound(f"recording {recording_id} has no automatic checks yet", "该录音尚未完成自动质检")
    return row


def out(row: AudioCheck) -> dict[str, Any]:
    return {
        "recording_id": row.recording_id,
        "call_id": row.call_uuid,
        "agent_id": row.agent_id,
        "status": row.status,
        "error": row.error,
        "metrics": row.metrics,
        "segments": row.segments,
        "flags": row.flags,
        "computed_at": row.computed_at,
    }
