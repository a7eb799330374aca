"""The hourly retention job: old recordings lose their audio after commit, new ones stay, and a
failed transaction deletes nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from hotline.audit.service import Actor
from hotline.calls.jobs import JOBS, retention_job
from hotline.calls.models import Recording
from hotline.calls.recordings import apply_retention
from hotline.config import get_settings
from hotline.store.base import utcnow
from hotline.store.db import Database


def _recording(db: Database, tmp: Path, name: str, age_days: int) -> Path:
    path = tmp / f"{name}.wav"
    path.write_bytes(b"RIFF....WAVE")
    path.with_suffix(".json").write_text("{}")
    with db.session() as s:
        s.add(Recording(call_uuid=name, path=str(path), started_at=utcnow() - timedelta(days=age_days)))
    return path


def test_job_deletes_old_audio_only_when_configured(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert [j.name for j in JOBS] == ["calls.recording_retention"]
    old, new = _recording(db, tmp_path, "old", 200), _recording(db, tmp_path, "new", 10)
    monkeypatch.setattr(get_settings(), "recording_retention_days", 0)
    assert retention_job(db, utcnow()) == 0 and old.exists()  # 0: keep everything

    monkeypatch.setattr(get_settings(), "recording_retention_days", 180)
    assert retention_job(db, utcnow()) == 1
    assert not old.exists() and not old.with_suffix(".json").exists() and new.exists()
    with db.session() as s:
        rows = {r.call_uuid: r.deleted_at for r in s.scalars(select(Recording))}
    assert rows["old"] is not None and rows["new"] is None
    assert retention_job(db, utcnow()) == 0  # idempotent


def test_rolled_back_retention_deletes_no_file(db: Database, tmp_path: Path) -> None:
    old = _recording(db, tmp_path, "old", 400)
    with pytest.raises(RuntimeError), db.session() as s:
        assert apply_retention(s, Actor(None, "t"), 30) == 1
        raise RuntimeError("crash before commit")
    assert old.exists()
    with db.session() as s:
        assert s.scalar(select(Recording.deleted_at)) is None


def test_indexed_recording_starts_when_the_recorder_started(db: Database, tmp_path: Path) -> None:
    import json
    from datetime import UTC, datetime

    from hotline.calls import cdr

    with_meta = tmp_path / "a.wav"
    with_meta.write_bytes(b"RIFF" + b"\0" * 40 + b"\0" * 32000 * 3)
    with_meta.with_suffix(".json").write_text(json.dumps({"call_id": "a", "started_at": 1_790_000_000.5}))
    bare = tmp_path / "b.wav"
    bare.write_bytes(b"RIFF" + b"\0" * 40 + b"\0" * 32000 * 4)  # 4 s of 8 kHz stereo 16-bit
    with db.session() as s:
        a = cdr.index_recording(s, with_meta, True)
        b = cdr.index_recording(s, bare, True)
        assert a.started_at == datetime.fromtimestamp(1_790_000_000.5, UTC)
        assert abs((b.ended_at - b.started_at).total_seconds() - 4.0) < 0.01  # type: ignore[operator]
