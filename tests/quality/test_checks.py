"""The automatic checks job on both databases: each recording once (idempotent), a corrupt or
missing file stored as such without stopping the batch, the call-ended subscription, the API."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hotline.audit.models import AuditEntry
from hotline.bus import Event, InProcessBus
from hotline.calls.topics import CdrWritten
from hotline.plugins import Context
from hotline.quality.checks import check_pending
from hotline.quality.models import AudioCheck, CallFlag
from hotline.quality.plugin import PLUGIN
from hotline.store.base import utcnow
from hotline.store.db import Database
from tests.conftest import make_settings
from tests.quality.helpers import add_call
from tests.quality.speech import need_espeak, stereo, write

SPEECH = [("agent", 0.5, "您好"), ("caller", 2.0, "我想问养老金"), ("agent", 4.5, "好的")]


def test_job_checks_each_recording_once(db: Database, tmp_path: Path) -> None:
    need_espeak()
    samples, _ = stereo(SPEECH, 12.0, tmp_path)
    good = add_call(
        db, "c-good", path=write(tmp_path / "good.wav", samples), marks=[(7.0, "hold"), (9.0, "unhold")]
    )
    (tmp_path / "bad.wav").write_bytes(b"RIFF....WAVEfmt garbage")
    bad = add_call(db, "c-bad", path=tmp_path / "bad.wav")
    gone = add_call(db, "c-gone", path=tmp_path / "gone.wav")
    assert check_pending(db, utcnow()) == 3
    assert check_pending(db, utcnow()) == 0  # idempotent
    with db.session() as s:
        rows = {r.recording_id: r for r in s.scalars(select(AudioCheck))}
        audits = s.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "quality.audio_check")
        )
    assert (rows[good].status, rows[bad].status, rows[gone].status) == ("ok", "corrupt", "missing")
    assert rows[bad].error and "WAV" in rows[bad].error
    m = rows[good].metrics
    assert m["time_to_greeting"] is not None and abs(m["time_to_greeting"] - 0.5) < 0.15
    assert m["hold_seconds"] == 2.0 and len(rows[good].segments["agent"]) == 2
    assert audits == 3


def test_subscription_checks_the_ended_call(db: Database, tmp_path: Path) -> None:
    need_espeak()
    samples, _ = stereo(SPEECH, 8.0, tmp_path)
    rid = add_call(db, "c-sub", path=write(tmp_path / "sub.wav", samples))
    bus = InProcessBus()
    ctx = Context(make_settings(db, tmp_path), db, bus)
    [(pattern, handler)] = [(p, h) for p, h in PLUGIN.subscriptions(ctx) if p is CdrWritten]

    handled: list[str] = []

    async def counted(event: Event) -> None:
        result = handler(event)
        if result is not None:
            await result
        handled.append(event.topic)

    async def deliver() -> None:
        bus.subscribe(pattern, counted)
        for _ in range(2):  # delivered twice (a retry): still one row
            bus.publish(CdrWritten(call_id="c-sub", outcome="answered"))
        deadline = asyncio.get_running_loop().time() + 30
        while len(handled) < 2 and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.02)

    asyncio.run(deliver())
    with db.session() as s:
        rows = list(s.scalars(select(AudioCheck)))
    assert [(r.recording_id, r.status) for r in rows] == [(rid, "ok")]


def test_api(client: TestClient, auth: Callable[[str], dict[str, str]], db: Database, tmp_path: Path) -> None:
    need_espeak()
    samples, _ = stereo(SPEECH, 8.0, tmp_path)
    rid = add_call(db, "c-api", path=write(tmp_path / "api.wav", samples))
    assert client.get(f"/api/quality/checks/{rid}", headers=auth("qa_inspector")).status_code == 404
    r = client.post(f"/api/quality/checks/{rid}", headers=auth("qa_inspector"))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ok" and r.json()["segments"]["agent"]
    r = client.get(f"/api/quality/checks/{rid}", headers=auth("supervisor"))
    assert r.status_code == 200 and r.json()["metrics"]["talk_ratio"] > 0
    assert client.get(f"/api/quality/checks/{rid}", headers=auth("agent")).status_code == 403
    assert client.post("/api/quality/checks/999999", headers=auth("qa_inspector")).status_code == 404


def test_unsatisfied_answer_flags_the_call(db: Database, tmp_path: Path) -> None:
    """The satisfaction domain's 不满意 flag becomes a sampling flag (by topic name: no import)."""
    bus = InProcessBus()
    subscriptions = PLUGIN.subscriptions(Context(make_settings(db, tmp_path), db, bus))
    [(pattern, handler)] = [(p, h) for p, h in subscriptions if p == "satisfaction.dissatisfied_flagged"]

    async def deliver() -> None:
        for _ in range(2):
            result = handler(Event(topic=str(pattern), data={"id": 1, "call_id": "c-sad", "agent_id": None}))
            if result is not None:
                await result

    asyncio.run(deliver())
    with db.session() as s:
        rows = [(f.call_uuid, f.reason, f.source) for f in s.scalars(select(CallFlag))]
    assert rows == [("c-sad", "unsatisfied", "satisfaction.dissatisfied_flagged")]
