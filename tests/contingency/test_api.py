"""Emergency modes over HTTP: who may switch them, the audit, the modes in force, the IVR simulator
showing a call's path with a mode on, and the callback worklist."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.contingency import service
from hotline.ivr.demo import DEMO_FLOW
from hotline.store.db import Database

H = Callable[[str], dict[str, str]]
NOTICE = {"kind": "announcement", "reason": "notice", "minutes": 60, "text": "高温预警：请注意防暑降温。"}


def _simulate(client: TestClient, auth: H, fid: int) -> dict[str, Any]:
    sim = {"digits": ["1"], "at": "2026-11-25T10:00:00+08:00"}
    r = client.post(f"/api/ivr/flows/{fid}/simulate", json=sim, headers=auth("agent"))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_switch_on_audited_shown_in_the_simulator_and_off(client: TestClient, auth: H, db: Database) -> None:
    sup = auth("supervisor")
    fid = client.post("/api/ivr/flows", json={"name": "main", "definition": DEMO_FLOW}, headers=sup).json()[
        "id"
    ]
    client.post(f"/api/ivr/flows/{fid}/publish", headers=sup)
    plain = _simulate(client, auth, fid)
    assert not any("应急模式" in line for line in plain["transcript_zh"])

    assert client.post("/api/contingency/modes", json=NOTICE, headers=auth("agent")).status_code == 403
    r = client.post("/api/contingency/modes", json=NOTICE, headers=sup)
    assert r.status_code == 201, r.text
    mode = r.json()
    assert mode["active"] is True and mode["kind"] == "announcement"
    active = client.get("/api/contingency/modes/active", headers=auth("agent")).json()
    assert [m["id"] for m in active] == [mode["id"]]

    # The running board reloads after the commit's event: the simulator then shows the mode first.
    deadline = time.monotonic() + 10
    while True:
        sim = _simulate(client, auth, fid)
        if sim["transcript_zh"][0].startswith("【应急模式】") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert sim["transcript_zh"][:2] == [f"【应急模式】announcement#{mode['id']}", f"【插播】{NOTICE['text']}"]
    assert sim["transcript_zh"][2:] == plain["transcript_zh"] and sim["outcome"] == plain["outcome"]

    end = {"version": mode["version"]}
    assert (
        client.post(f"/api/contingency/modes/{mode['id']}/end", json=end, headers=auth("agent")).status_code
        == 403
    )
    r = client.post(f"/api/contingency/modes/{mode['id']}/end", json=end, headers=sup)
    assert r.status_code == 200 and r.json()["active"] is False and r.json()["ended_at"]
    again = client.post(
        f"/api/contingency/modes/{mode['id']}/end", json={"version": r.json()["version"]}, headers=sup
    )
    assert again.status_code == 409  # already off
    assert client.get("/api/contingency/modes/active", headers=sup).json() == []
    with db.session() as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "contingency_mode")))
    assert actions == ["switch_on", "switch_off"]


def test_overflow_needs_a_backup_number_and_an_announcement_words(client: TestClient, auth: H) -> None:
    sup = auth("supervisor")
    bad = {"kind": "overflow", "reason": "trunk_down", "minutes": 30}
    assert client.post("/api/contingency/modes", json=bad, headers=sup).status_code == 422
    silent = {"kind": "announcement", "reason": "notice", "minutes": 30}
    assert client.post("/api/contingency/modes", json=silent, headers=sup).status_code == 422
    ok = {**bad, "backup_number": "96000", "overflow_after_seconds": 30}
    assert client.post("/api/contingency/modes", json=ok, headers=sup).status_code == 201
    listed = client.get("/api/contingency/modes", headers=sup).json()["items"]
    assert [(m["kind"], m["backup_number"]) for m in listed] == [("overflow", "96000")]


def test_callback_worklist(client: TestClient, auth: H, db: Database) -> None:
    with db.session() as s:
        row = service.collect_callback(s, None, "call-1", "13800000001", "13912345678")
        cid = row.id
    agent = auth("agent")
    items = client.get("/api/contingency/callbacks?status=open", headers=agent).json()["items"]
    assert [(c["id"], c["callback_number"], c["status"]) for c in items] == [(cid, "13912345678", "open")]
    assert client.get("/api/contingency/callbacks", headers=auth("qa_inspector")).status_code == 403
    done = {"action": "done", "version": items[0]["version"], "note": "已回电"}
    r = client.post(f"/api/contingency/callbacks/{cid}/move", json=done, headers=agent)
    assert r.status_code == 200 and r.json()["status"] == "done" and r.json()["handled_by"]
    twice = client.post(
        f"/api/contingency/callbacks/{cid}/move",
        json={**done, "version": r.json()["version"]},
        headers=agent,
    )
    assert twice.status_code == 409  # done twice: the state table refuses
    assert client.get("/api/contingency/callbacks?status=open", headers=agent).json()["items"] == []
