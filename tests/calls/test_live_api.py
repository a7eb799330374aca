"""The live API against a running call center (engine double on its own loop thread): agent
commands over REST and WebSocket, screen pops and KPIs pushed to the right viewers, masking."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient

from hotline.acd.schemas import SkillIn
from hotline.acd.service import set_skills
from hotline.bus import InProcessBus
from hotline.calls.center import CallCenter, start_callcenter, stop_callcenter
from hotline.people.service import user_by_username
from hotline.store.db import Database
from tests.calls.fakes import FakeEngine
from tests.calls.helpers import ACTOR, seed

T = TypeVar("T")
H = Callable[[str], dict[str, str]]


class Running:
    def __init__(self, db: Database, tmp: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.engine = FakeEngine(InProcessBus(), tmp)
        self.center: CallCenter = self.run(
            start_callcenter(self.engine, db, self.engine.bus, tick_seconds=0.01, recordings_dir=tmp)
        )

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    def stop(self) -> None:
        self.run(stop_callcenter())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def running(db: Database, tmp_path: Path) -> Iterator[Running]:
    seed(db, ring_timeout_seconds=30)  # the picked call keeps ringing during the test
    with db.session() as s:
        agent = user_by_username(s, "agent")
        assert agent is not None
        agent.extension = "1003"
        set_skills(s, ACTOR, agent.id, [SkillIn(queue="elderly", level=8)])
    r = Running(db, tmp_path)
    r.engine.phones["1003"] = ("ignore", 0)
    yield r
    r.stop()


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
            if msg["type"] == "screen_pop":
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
