"""The live screen pop as viewers without `pii.read` (analysts, QA wallboards) receive it over
/api/calls/ws: the caller's address, phones and ID masked, health notes left out; the agent whose
phone rings gets them in full. Both databases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from hotline.web.live import mask
from tests.calls.conftest import Running

H = Callable[[str], dict[str, str]]
CALLER = {
    "name": "王秀英",
    "address": "南湖区和平路12号3单元",
    "phones": [{"number": "13812345678"}],
    "care_profile": {"age": 86, "living_alone": True, "health_notes": "糖尿病，行动不便"},
    "emergency_contacts": [{"name": "李明", "relation": "儿子", "phone": "13900001111"}],
}


def _screen_pop(sock: Any) -> dict[str, Any]:
    while (msg := sock.receive_json())["type"] != "agent.screen_popped":
        pass
    data: dict[str, Any] = msg["data"]
    return data


def test_screen_pop_is_masked_for_viewers_without_pii(running: Running, client: TestClient, auth: H) -> None:
    assert client.post("/api/callers", json=CALLER, headers=auth("agent")).status_code == 201
    assert client.post("/api/calls/agent/login", headers=auth("agent")).status_code == 200
    with (
        client.websocket_connect("/api/calls/ws?token=token-analyst") as wall,
        client.websocket_connect("/api/calls/ws?token=token-agent") as own,
    ):
        assert wall.receive_json()["type"] == "snapshot" and own.receive_json()["type"] == "snapshot"
        running.run(running.engine.incoming("13812345678", "1"))
        seen, full = _screen_pop(wall)["caller"], _screen_pop(own)["caller"]
    assert seen["address"] == "南湖区和平路****" and seen["care_profile"]["health_notes"] is None
    assert seen["care_profile"]["age"] == 86 and seen["emergency_contacts"][0]["phone"] == "139****1111"
    assert full["address"] == CALLER["address"] and full["care_profile"]["health_notes"] == "糖尿病，行动不便"


def test_emergency_alert_numbers_are_masked() -> None:
    alert = {"call_id": "c1", "caller": "13812345678", "numbers": ["120", "13900000001"]}
    assert mask(alert, False) == {"call_id": "c1", "caller": "138****5678", "numbers": ["*20", "139****0001"]}
    assert mask(alert, True) == alert
