"""Calls over HTTP: CTI without a running center (409), CDR/queue-log/recording listings with
masking, ranged and audited playback, retention, crash recovery, and the WebSocket's own auth."""

from __future__ import annotations

import struct
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.websockets import WebSocketDisconnect

from hotline.audit.models import AuditEntry
from hotline.calls import cdr
from hotline.calls.models import Call, CallLeg, Recording
from hotline.store.base import utcnow
from hotline.store.db import Database

H = Callable[[str], dict[str, str]]


def _wav(path: Path, frames: int = 800) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = bytes(range(256)) * (frames * 4 // 256 + 1)
    data = data[: frames * 4]
    header = (
        b"RIFF"
        + struct.pack("<I", 36 + len(data))
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 2, 8000, 32000, 4, 16)
    )
    path.write_bytes(header + b"data" + struct.pack("<I", len(data)) + data)
    return path


def _seed_call(db: Database, tmp: Path) -> tuple[int, int]:
    with db.session() as s:
        call_id = cdr.open_call(s, "u1", direction="inbound", caller_number="13812345678", queue="elderly")
        cdr.add_leg(s, "u1", "u1-1", "caller", "13812345678", None)
        cdr.queue_event(s, "u1", "elderly", "enter", utcnow(), None, None, {"priority": 0})
        cdr.end_call(s, "u1", "answered", "normal")
        rec = cdr.index_recording(
            s,
            _wav(tmp / "rec" / "u1.wav"),
            True,
            call_uuid="u1",
            caller_number="13812345678",
            queue="elderly",
        )
        return call_id, rec.id


def test_control_needs_a_running_center(client: TestClient, auth: H) -> None:
    r = client.post("/api/calls/agent/login", headers=auth("agent"))
    assert r.status_code == 409 and r.json()["detail_zh"] == "呼叫中心未运行"
    assert client.get("/api/calls/kpis", headers=auth("department_handler")).status_code == 403


def test_cdrs_queue_log_and_masking(client: TestClient, auth: H, db: Database, tmp_path: Path) -> None:
    call_id, _ = _seed_call(db, tmp_path)
    r = client.get("/api/calls/cdrs", headers=auth("agent"))
    assert r.status_code == 200 and r.json()["items"][0]["caller_number"] == "13812345678"
    r = client.get("/api/calls/cdrs", headers=auth("analyst"))  # no pii.read
    assert r.json()["items"][0]["caller_number"] == "138****5678"
    r = client.get(f"/api/calls/cdrs/{call_id}", headers=auth("analyst"))
    body = r.json()
    assert [leg["number"] for leg in body["legs"]] == ["138****5678"]
    assert [e["kind"] for e in body["queue_events"]] == ["enter"]
    assert client.get("/api/calls/queue-events?queue=elderly", headers=auth("agent")).json()["items"][0][
        "kind"
    ] == ("enter")


def test_recording_search_range_audit_retention(
    client: TestClient, auth: H, db: Database, tmp_path: Path
) -> None:
    _, rec_id = _seed_call(db, tmp_path)
    qa = auth("qa_inspector")
    assert [
        r["id"] for r in client.get("/api/calls/recordings?queue=elderly", headers=qa).json()["items"]
    ] == [rec_id]
    assert client.get("/api/calls/recordings?queue=other", headers=qa).json()["items"] == []
    full = client.get(f"/api/calls/recordings/{rec_id}/audio", headers=qa)
    assert (
        full.status_code == 200 and full.content[:4] == b"RIFF" and full.headers["accept-ranges"] == "bytes"
    )
    part = client.get(f"/api/calls/recordings/{rec_id}/audio", headers={**qa, "Range": "bytes=44-99"})
    assert part.status_code == 206 and part.content == full.content[44:100]
    assert part.headers["content-range"] == f"bytes 44-99/{len(full.content)}"
    tail = client.get(f"/api/calls/recordings/{rec_id}/audio", headers={**qa, "Range": "bytes=-10"})
    assert tail.content == full.content[-10:]
    bad = client.get(f"/api/calls/recordings/{rec_id}/audio", headers={**qa, "Range": "bytes=999999-"})
    assert bad.status_code == 416
    with db.session() as s:
        plays = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "play")))
    assert len(plays) == 3 and plays[0].actor == "qa_inspector"
    admin = auth("admin")
    r = client.patch(
        f"/api/calls/recordings/{rec_id}", json={"tags": ["低保"], "work_order_id": 5}, headers=admin
    )
    assert r.status_code == 200 and r.json()["tags"] == {"tags": ["低保"]}
    assert [x["id"] for x in client.get("/api/calls/recordings?tag=低保", headers=qa).json()["items"]] == [
        rec_id
    ]
    with db.session() as s:
        s.get(Recording, rec_id).started_at = utcnow() - timedelta(days=200)  # type: ignore[union-attr]
    assert client.post("/api/calls/recordings/retention", json={"days": 180}, headers=qa).status_code == 403
    assert client.post("/api/calls/recordings/retention", json={"days": 180}, headers=admin).json() == {
        "deleted": 1
    }
    assert client.get(f"/api/calls/recordings/{rec_id}/audio", headers=qa).status_code == 404


def test_recover_after_crash(sqlite_db: Database, tmp_path: Path) -> None:
    with sqlite_db.session() as s:
        cdr.open_call(s, "open1", caller_number="138")
        cdr.add_leg(s, "open1", "open1-1", "caller", "138", None)
    today = tmp_path / utcnow().strftime("%Y/%m/%d")  # the engine's layout
    done = _wav(today / "done.wav")
    part = _wav(today / "cut.wav")
    part.rename(today / "cut.wav.part")
    _wav(tmp_path / "2020" / "01" / "01" / "archive.wav")  # years of archive are not walked
    out = cdr.recover(sqlite_db, tmp_path)
    assert out == {"calls": 1, "recordings": 1, "partial": 1}
    with sqlite_db.session() as s:
        call = s.scalar(select(Call))
        leg = s.scalar(select(CallLeg))
        recs = {Path(r.path).name: r.complete for r in s.scalars(select(Recording))}
    assert call is not None and (call.state, call.end_cause, call.outcome) == (
        "failed",
        "system_failure",
        "failed",
    )
    assert leg is not None and leg.end_cause == "system_failure"
    assert recs == {done.name: True, "cut.partial.wav": False}
    assert cdr.recover(sqlite_db, tmp_path) == {"calls": 0, "recordings": 0, "partial": 0}


def test_websocket_checks_its_own_auth(client: TestClient) -> None:
    with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/api/calls/ws") as sock:
        sock.receive_json()
    assert info.value.code == 4401
    with (
        pytest.raises(WebSocketDisconnect) as info,
        client.websocket_connect("/api/calls/ws?token=token-department_handler") as sock,
    ):
        sock.receive_json()
    assert info.value.code == 4403
    with client.websocket_connect("/api/calls/ws?token=token-agent") as sock:
        assert sock.receive_json() == {"type": "snapshot", "running": False}
        sock.send_text('{"op": "ready"}')
        assert sock.receive_json()["detail_zh"] == "呼叫中心未运行"
