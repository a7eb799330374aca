"""Trunks, extensions and prompts administration over the API (both databases)."""

from __future__ import annotations

import io
import wave
from pathlib import Path
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.config import SipSettings
from hotline.store.db import Database
from hotline.telephony.service import effective_config

TRUNK = {"name": "ct-main", "label": "电信主中继", "host": "10.0.0.5", "port": 5080, "peers": ["10.0.0.6"]}


def _wav(rate: int = 16000, channels: int = 2, seconds: float = 0.5) -> bytes:
    t = np.arange(int(rate * seconds)) / rate
    tone = (np.sin(2 * np.pi * 440 * t) * 8000).astype("<i2")
    frames = np.repeat(tone[:, None], channels, axis=1).tobytes()
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return buf.getvalue()


def test_trunk_crud_hides_password_and_audits(client: TestClient, auth: Any, db: Database) -> None:
    admin = auth("admin")
    body = {**TRUNK, "username": "hotline12345", "password": "s3cret-carrier"}
    created = client.post("/api/telephony/trunks", json=body, headers=admin)
    assert created.status_code == 201, created.text
    trunk = created.json()
    assert trunk["has_password"] is True and "password" not in trunk
    assert trunk["direction"] == "both" and trunk["peers"] == ["10.0.0.6"]

    assert client.post("/api/telephony/trunks", json=body, headers=admin).status_code == 409
    bad = client.post(
        "/api/telephony/trunks", json={**TRUNK, "name": "x", "peers": ["not-an-ip"]}, headers=admin
    )
    assert bad.status_code == 422
    named = client.post(
        "/api/telephony/trunks", json={**TRUNK, "name": "y", "host": "sip.carrier.example"}, headers=admin
    )
    assert named.status_code == 422 and "host names are not supported" in named.text

    url = f"/api/telephony/trunks/{trunk['id']}"
    stale = client.patch(url, json={"version": trunk["version"] + 5, "port": 5090}, headers=admin)
    assert stale.status_code == 409
    nulled = client.patch(url, json={"version": trunk["version"], "label": None}, headers=admin)
    assert nulled.status_code == 422 and "label cannot be null" in nulled.text
    patched = client.patch(
        url, json={"version": trunk["version"], "port": 5090, "password": ""}, headers=admin
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["port"] == 5090 and patched.json()["has_password"] is False

    listed = client.get("/api/telephony/trunks", headers=admin).json()["items"]
    assert [t["name"] for t in listed] == ["ct-main"]
    assert client.delete(url, headers=admin).status_code == 204
    assert client.get("/api/telephony/trunks", headers=admin).json()["items"] == []

    with db.session() as s:
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.entity == "sip_trunk")))
    assert [e.action for e in entries] == ["create", "update", "delete"]
    assert all("s3cret" not in str(e.before) + str(e.after) for e in entries)


def test_only_admins_configure_telephony(client: TestClient, auth: Any) -> None:
    for role in ("agent", "supervisor", "department_handler"):
        assert client.get("/api/telephony/trunks", headers=auth(role)).status_code == 403
        assert client.get("/api/telephony/prompts", headers=auth(role)).status_code == 403


def test_effective_config_overlays_settings(client: TestClient, auth: Any, db: Database) -> None:
    admin = auth("admin")
    sip = SipSettings(
        trunk_peers=["127.0.0.1"], outbound_trunk="192.0.2.1:5060", trunk_user="u", trunk_password="p"
    )
    with db.session() as s:
        default = effective_config(s, sip)
    assert default.outbound == "192.0.2.1:5060" and default.credentials == ("u", "p")

    for name, prio, direction in (("backup", 20, "outbound"), ("main", 5, "both"), ("in-only", 1, "inbound")):
        body = {**TRUNK, "name": name, "host": f"10.0.1.{prio}", "priority": prio, "direction": direction}
        assert client.post("/api/telephony/trunks", json=body, headers=admin).status_code == 201
    main = {**TRUNK, "name": "off", "host": "10.0.9.9", "priority": 0, "enabled": False}
    assert client.post("/api/telephony/trunks", json=main, headers=admin).status_code == 201
    with db.session() as s:
        config = effective_config(s, sip)
    assert config.outbound == "10.0.1.5:5080"  # lowest priority among enabled outbound-capable trunks
    assert [t.name for t in config.trunks] == ["main", "backup"]  # the failover order
    assert config.credentials is None  # the chosen trunk has no username: no digest answer
    assert config.peers == {
        "127.0.0.1",
        "10.0.0.6",
        "10.0.1.5",
        "10.0.1.1",
    }  # outbound-only and disabled excluded


def test_prompt_upload_converts_lists_plays_and_deletes(client: TestClient, auth: Any, app: Any) -> None:
    admin = auth("admin")
    prompts_dir = Path(app.state.settings.prompts_dir)
    upload = client.put(
        "/api/telephony/prompts/welcome-test",
        files={"file": ("welcome.wav", _wav(), "audio/wav")},
        headers=admin,
    )
    assert upload.status_code == 200, upload.text
    info = upload.json()
    assert info["source"] == "recorded" and abs(info["seconds"] - 0.5) < 0.02
    with wave.open(str(prompts_dir / "welcome-test.wav"), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)

    listed = {p["name"]: p for p in client.get("/api/telephony/prompts", headers=admin).json()}
    assert listed["welcome-test"]["source"] == "recorded"
    assert "position-1" in listed and listed["position-1"]["text"] == "您前面还有1位来电人。"
    assert "moh" in listed

    audio = client.get("/api/telephony/prompts/welcome-test/audio", headers=admin)
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF"

    not_wav = client.put(
        "/api/telephony/prompts/x", files={"file": ("x.wav", b"hello world", "audio/wav")}, headers=admin
    )
    assert not_wav.status_code == 422 and "WAV" in not_wav.json()["detail"]
    bad_name = client.put(
        "/api/telephony/prompts/..evil", files={"file": ("x.wav", _wav(), "audio/wav")}, headers=admin
    )
    assert bad_name.status_code == 422
    assert not (prompts_dir.parent / "evil.wav").exists()
    newline = client.put(
        "/api/telephony/prompts/welcome%0A", files={"file": ("x.wav", _wav(), "audio/wav")}, headers=admin
    )
    assert newline.status_code == 422
    assert sorted(p.name for p in prompts_dir.iterdir() if p.suffix == ".wav") == ["welcome-test.wav"]

    assert client.delete("/api/telephony/prompts/welcome-test", headers=admin).status_code == 204
    assert not (prompts_dir / "welcome-test.wav").exists()
    assert client.delete("/api/telephony/prompts/welcome-test", headers=admin).status_code == 404
    assert client.get("/api/telephony/prompts/welcome-test/audio", headers=admin).status_code == 404


def test_engine_view_without_engine(client: TestClient, auth: Any) -> None:
    got = client.get("/api/telephony/engine", headers=auth("admin"))
    assert got.status_code == 200 and got.json()["running"] is False
    exts = client.get("/api/telephony/extensions", headers=auth("admin"))
    assert exts.status_code == 200 and all(not e["registered"] for e in exts.json())


def test_demo_trunk_loads_once(db: Database) -> None:
    from hotline.demo import DEMO_ACTOR
    from hotline.telephony import demo
    from hotline.telephony.models import SipTrunk

    with db.session() as s:
        demo.load(s, DEMO_ACTOR)
        demo.load(s, DEMO_ACTOR)
    with db.session() as s:
        rows = list(s.scalars(select(SipTrunk)))
        config = effective_config(s, SipSettings(trunk_peers=[]))
    assert [(r.name, r.direction) for r in rows] == [("local-gateway", "inbound")]
    assert config.peers == {"127.0.0.1"} and config.outbound == ""


def test_commit_and_rollback_hooks(db: Database) -> None:
    from hotline.store.db import after_commit, after_rollback
    from hotline.telephony.models import SipTrunk

    seen: list[str] = []
    with db.session() as s:
        after_commit(s, lambda: seen.append("committed"))
        after_rollback(s, lambda: seen.append("rolled back"))
    assert seen == ["committed"]
    seen.clear()
    try:
        with db.session() as s:
            s.execute(select(SipTrunk.id))  # the transaction has begun, as in a request
            after_commit(s, lambda: seen.append("committed"))
            after_rollback(s, lambda: seen.append("rolled back"))
            raise RuntimeError("fails before commit")
    except RuntimeError:
        pass
    assert seen == ["rolled back"]
