"""The live API against a running call center (engine double on its own loop thread): agent
commands over REST and WebSocket, screen pops and KPIs pushed to the right viewers, masking."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from hotline.sip.topics import SecurityAlertRaised
from tests.calls.conftest import Running

H = Callable[[str], dict[str, str]]


def test_rest_commands_and_views(running: Running, client: TestClient, auth: H) -> None:
    agent = auth("agent")
    assert client.post("/api/calls/agent/login", headers=agent).json()["state"] == "ready"
    r = client.post("/api/calls/agent/not-ready", json={"reason": "lunch"}, headers=agent)
    assert (r.json()["state"], r.json()["reason"]) == ("not_ready", "lunch")
    assert client.post("/api/calls/agent/hangup", headers=agent).status_code == 409  # no call
    running.run(running.engine.incoming("13812345678", "1"))
    running.run(asyncio.sleep(0.2))
    waiting = client.get("/api/calls/queues/elderly/waiting", headers=agent).json()
    assert [w["caller"] for w in waiting] == ["13812345678"]
    analyst = client.get("/api/calls/live", headers=auth("analyst")).json()
    assert analyst[0]["caller"] == "138****5678"  # no pii.read
    r = client.post("/api/calls/agent/pick", json={"call_id": waiting[0]["call_id"]}, headers=agent)
    assert r.status_code == 200
    assert client.get("/api/calls/agent/me", headers=agent).json()["state"] == "ringing"
    kpis = client.get("/api/calls/kpis", headers=auth("analyst")).json()
    assert kpis["elderly"]["offered"] == 1
    sup = auth("supervisor")
    me = client.get("/api/calls/agent/me", headers=agent).json()
    r = client.post(f"/api/calls/agents/{me['agent_id']}/state", json={"state": "logged_out"}, headers=sup)
    assert r.status_code == 409  # ringing: a supervisor cannot log them out mid-offer
    assert (
        client.post(
            "/api/calls/supervise", json={"agent_id": me["agent_id"], "mode": "listen"}, headers=sup
        ).status_code
        == 409
    )  # no connected call to listen to


def test_websocket_pushes_state_and_screen_pop(running: Running, client: TestClient) -> None:
    with client.websocket_connect("/api/calls/ws?token=token-agent") as sock:
        snap = sock.receive_json()
        assert snap["type"] == "snapshot" and snap["data"]["me"]["state"] == "logged_out"
        sock.send_text('{"op": "login"}')
        seen: list[dict[str, Any]] = []
        while not any(m["type"] == "result" for m in seen):
            seen.append(sock.receive_json())
        assert next(m for m in seen if m["type"] == "result")["data"]["state"] == "ready"
        running.run(running.engine.incoming("13812345678", "1"))
        pop = None
        for _ in range(50):
            msg = sock.receive_json()
            if msg["type"] == "agent.screen_popped":
                pop = msg["data"]
                break
        assert pop is not None and pop["caller_number"] == "13812345678" and pop["queue"] == "elderly"
        sock.send_text("not json")
        while (msg := sock.receive_json())["type"] != "error":
            pass
    with client.websocket_connect("/api/calls/ws?token=token-analyst") as wall:
        snap = wall.receive_json()["data"]
        assert "kpis" in snap and snap["kpis"]["elderly"]["offered"] == 1
        while (msg := wall.receive_json())["type"] != "kpis":
            pass
        # the engine's SIP lockouts reach the wallboard as alerts
        lock = {"kind": "sip_auth_lockout", "source_ip": "203.0.113.7", "extension": "1001", "seconds": 60}
        lock["failures"] = 5

        async def publish() -> None:
            running.engine.bus.publish(SecurityAlertRaised(**lock))  # type: ignore[arg-type]

        running.run(publish())
        while (msg := wall.receive_json())["type"] != "security.alert_raised":
            pass
        assert msg["data"] == lock


def test_events_only_socket_gets_no_kpis(running: Running, client: TestClient, monkeypatch: Any) -> None:
    """`?kpis=0` (the 不满意 pop-up beside a page's own socket): events, but no KPIs in the snapshot
    nor pushed. KPI_PERIOD 0 would push KPIs on every turn of the loop to any other wallboard."""
    from hotline.web import live

    monkeypatch.setattr(live, "KPI_PERIOD", 0.0)
    lock = {"kind": "sip_auth_lockout", "source_ip": "203.0.113.9", "extension": "1002", "seconds": 60}
    lock["failures"] = 5

    async def publish() -> None:
        running.engine.bus.publish(SecurityAlertRaised(**lock))  # type: ignore[arg-type]

    with client.websocket_connect("/api/calls/ws?token=token-analyst&kpis=0") as quiet:
        snap = quiet.receive_json()
        assert snap["type"] == "snapshot" and "kpis" not in snap["data"] and "agents" in snap["data"]
        running.run(publish())
        seen = []
        while (msg := quiet.receive_json())["type"] != "security.alert_raised":
            seen.append(msg["type"])
        assert "kpis" not in seen and msg["data"] == lock
    with client.websocket_connect("/api/calls/ws?token=token-analyst") as wall:
        assert "kpis" in wall.receive_json()["data"]
        assert wall.receive_json()["type"] == "kpis"
