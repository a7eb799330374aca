"""Recordings for quality tests: index rows (as the call center writes them) over WAV files."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from hotline.calls.models import Call, Recording, RecordingMark
from hotline.store.base import utcnow
from hotline.store.db import Database


def add_call(
    db: Database,
    uuid: str,
    *,
    path: Path | None = None,
    agent_id: int | None = None,
    caller: str | None = "13800000001",
    started: datetime | None = None,
    outcome: str = "answered",
    wait: float | None = 5.0,
    talk: float | None = 60.0,
    marks: list[tuple[float, str]] = (),  # type: ignore[assignment]
) -> int | None:
    """A finished call (and its recording when `path` is given); the recording's id."""
    at = started or utcnow() - timedelta(hours=1)
    with db.session() as s:
        s.add(
            Call(
                uuid=uuid,
                state="ended",
                caller_number=caller,
                agent_id=agent_id,
                queue="elderly",
                outcome=outcome,
                started_at=at,
                ended_at=at + timedelta(seconds=(wait or 0) + (talk or 0)),
                wait_seconds=wait,
                talk_seconds=talk,
                ivr_path={},
            )
        )
        for offset, kind in marks:
            s.add(RecordingMark(call_uuid=uuid, offset_seconds=offset, kind=kind, agent_id=agent_id))
        if path is None:
            return None
        rec = Recording(
            call_uuid=uuid,
            path=str(path),
            agent_id=agent_id,
            caller_number=caller,
            queue="elderly",
            tags={},
            started_at=at,
            complete=True,
            duration_seconds=talk,
        )
        s.add(rec)
        s.flush()
        return rec.id
