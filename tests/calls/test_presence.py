"""An agent's console session and the queues: sign-out and a closed console take the agent out of
the queues (no calls ring an empty seat), and the workspace's waiting list gets its queues' events."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from hotline.calls.topics import EmergencyLegChanged, EmergencyRaised
from hotline.web.live import presence
from tests.calls.conftest import Running

H = Callable[[str], dict[str, str]]


def agent_state(running: Running, client: TestClient, auth: H) -> str:
    running.run(asyncio.sleep(0))  # let callbacks queued on the center's loop run first
    return str(client.get("/api/calls/agent/me", headers=auth("agent")).json()["state"])


def wait_state(running: Running, client: TestClient, auth: H, want: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while (state := agent_state(running, client, auth)) != want:
        assert time.monotonic() < deadline, f"agent stayed {state}, expected {want}"
        running.run(asyncio.sleep(0.05))


def test_console_logout_signs_agent_out_of_queues(running: Running, client: TestClient, auth: H) -> None:
    assert client.post("/api/calls/agent/login", headers=auth("agent")).json()["state"] == "ready"
    assert client.post("/api/auth/logout", headers=auth("agent")).status_code == 204
    assert agent_state(running, client, auth) == "logged_out"


def test_agent_socket_gets_its_queues_waiting_events(running: Running, client: TestClient, auth: H) -> None:
    client.post("/api/calls/agent/login", headers=auth("agent"))
    client.post("/api/calls/agent/not-ready", json={"reason": "rest"}, headers=auth("agent"))
    with client.websocket_connect("/api/calls/ws?token=token-agent") as sock:
        assert sock.receive_json()["type"] == "snapshot"
        running.run(running.engine.incoming("13812345678", "1"))  # the elderly queue
        seen: list[dict[str, Any]] = []
        while not any(m["type"] == "queue.event_logged" for m in seen):
            seen.append(sock.receive_json())
        event = next(m for m in seen if m["type"] == "queue.event_logged")["data"]
        assert event["queue"] == "elderly" and event["kind"] == "enter"


def test_closed_console_signs_out_after_grace(running: Running, client: TestClient, auth: H) -> None:
    client.app.state.settings.agent_presence_grace_seconds = 0.2  # type: ignore[attr-defined]
    client.post("/api/calls/agent/login", headers=auth("agent"))
    with client.websocket_connect("/api/calls/ws?token=token-agent") as sock:
        assert sock.receive_json()["type"] == "snapshot"
    wait_state(running, client, auth, "logged_out")


def test_reconnect_within_grace_keeps_agent_ready(running: Running, client: TestClient, auth: H) -> None:
    client.app.state.settings.agent_presence_grace_seconds = 300
    me = client.post("/api/calls/agent/login", headers=auth("agent")).json()
    with client.websocket_connect("/api/calls/ws?token=token-agent") as sock:
        assert sock.receive_json()["type"] == "snapshot"
    running.run(asyncio.sleep(0))
    assert me["agent_id"] in presence.timers  # the grace period runs
    with client.websocket_connect("/api/calls/ws?token=token-agent") as sock:  # a page reload
        assert sock.receive_json()["type"] == "snapshot"
        running.run(asyncio.sleep(0))
        assert me["agent_id"] not in presence.timers
        assert agent_state(running, client, auth) == "ready"
    running.run(asyncio.sleep(0))
    presence.timers.pop(me["agent_id"]).cancel()  # do not leave a timer behind for other tests


def test_screen_pop_survives_a_console_reload(running: Running, client: TestClient, auth: H) -> None:
    assert client.get("/api/calls/agent/pop", headers=auth("agent")).json() == {}
    client.post("/api/calls/agent/login", headers=auth("agent"))
    running.run(running.engine.incoming("13812345678", "1"))
    deadline = time.monotonic() + 10
    while not (pop := client.get("/api/calls/agent/pop", headers=auth("agent")).json()):
        assert time.monotonic() < deadline, "no screen pop kept for the agent"
        running.run(asyncio.sleep(0.05))
    assert pop["caller_number"] == "13812345678" and pop["queue"] == "elderly"


def test_emergency_alerts_listed_and_acknowledged(running: Running, client: TestClient, auth: H) -> None:
    sup = auth("supervisor")
    alert = {"call_id": "c-1", "caller": "13812345678", "caller_name": "宋建国"}
    alert |= {
        "legs": [{"number": "120", "status": "ringing"}, {"number": "13900001111", "status": "ringing"}]
    }

    async def raise_alert() -> None:
        running.center.bus.publish(EmergencyRaised(**alert, caller_id=None, numbers=["120", "13900001111"]))
        running.center.bus.publish(EmergencyLegChanged(call_id="c-1", number="120", status="answered"))

    running.run(raise_alert())
    [shown] = client.get("/api/calls/emergencies", headers=sup).json()
    assert shown["caller_name"] == "宋建国"
    assert {(x["number"], x["status"]) for x in shown["legs"]} == {
        ("120", "answered"),
        ("13900001111", "ringing"),
    }
    assert client.get("/api/calls/emergencies", headers=auth("agent")).status_code == 403
    assert client.post("/api/calls/emergencies/c-1/ack", headers=sup).status_code == 200
    assert client.get("/api/calls/emergencies", headers=sup).json() == []
    assert client.post("/api/calls/emergencies/c-1/ack", headers=sup).status_code == 404


def test_wallboard_figures_before_the_first_call(running: Running, client: TestClient, auth: H) -> None:
    kpis = client.get("/api/calls/kpis", headers=auth("supervisor")).json()
    assert {"elderly", "general"} <= set(kpis)  # every queue at zero, not an empty table
    assert kpis["elderly"]["offered"] == 0 and kpis["elderly"]["answer_rate"] is None
    assert (kpis["*"]["in_ivr"], kpis["*"]["callbacks_pending"]) == (0, 0)
    agents = client.get("/api/calls/agents", headers=auth("supervisor")).json()
    assert all(a["since"] is None for a in agents if a["state"] == "logged_out")  # not the uptime


def test_agent_view_says_whether_a_phone_is_registered(running: Running, client: TestClient, auth: H) -> None:
    me = client.post("/api/calls/agent/login", headers=auth("agent")).json()
    assert me["phone_registered"] is False  # ready with no phone: the console warns
    running.engine.devices["1003"] = ["sip:1003@127.0.0.1:5062"]
    assert client.get("/api/calls/agent/me", headers=auth("agent")).json()["phone_registered"] is True


def test_kpis_name_their_queues_for_every_viewer(running: Running, client: TestClient, auth: H) -> None:
    kpis = client.get("/api/calls/kpis", headers=auth("qa_inspector")).json()
    assert kpis["elderly"]["label"] == "养老" and kpis["*"]["label"] is None
