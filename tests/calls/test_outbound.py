"""Dial-pad (outbound) calls are first-class: the call bar knows the number, the agent hangs up
their own call, a call that cannot be placed says so to the agent, and the agent returns to the
state they dialled from (示忙 stays 示忙)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.calls.conftest import Running

H = Callable[[str], dict[str, str]]
NUMBER = "13912345678"


def me(client: TestClient, auth: H) -> dict[str, Any]:
    out: dict[str, Any] = client.get("/api/calls/agent/me", headers=auth("agent")).json()
    return out


def wait_me(running: Running, client: TestClient, auth: H, **want: Any) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while True:
        view = me(client, auth)
        if all(view.get(k) == v for k, v in want.items()):
            return view
        assert time.monotonic() < deadline, f"agent is {view}, expected {want}"
        running.run(asyncio.sleep(0.05))


def test_dial_pad_call_shows_number_hangs_up_and_returns_to_not_ready(
    running: Running, client: TestClient, auth: H
) -> None:
    running.engine.phones["1003"] = ("answer", 0)
    running.engine.phones[NUMBER] = ("answer", 0.05)
    agent = auth("agent")
    client.post("/api/calls/agent/login", headers=agent)
    client.post("/api/calls/agent/not-ready", json={"reason": "rest"}, headers=agent)
    assert client.post("/api/calls/agent/dial", json={"number": NUMBER}, headers=agent).status_code == 200
    view = wait_me(running, client, auth, state="talking")
    assert (view["call_number"], view["call_direction"]) == (NUMBER, "outbound")
    r = client.post("/api/calls/agent/hangup", headers=agent)
    assert r.status_code == 200, r.text  # was 409 "座席当前没有通话"
    wait_me(running, client, auth, state="not_ready", reason="rest")
    deadline = time.monotonic() + 10  # the call record is written off the loop
    while (today := client.get("/api/calls/agent/today", headers=agent).json())["answered"] < 1:
        assert time.monotonic() < deadline, today
        running.run(asyncio.sleep(0.05))
    assert today["answered"] == 1 and today["talk_seconds"] >= 0
    r = client.post("/api/calls/agent/wrap-up/extend", json={"seconds": 30}, headers=agent)
    assert r.status_code == 409  # not in wrap-up: a clear conflict


def test_failed_dial_tells_the_agent_and_keeps_not_ready(
    running: Running, client: TestClient, auth: H
) -> None:
    running.engine.phones["1003"] = ("answer", 0)  # no route to the number: no outbound trunk
    agent = auth("agent")
    client.post("/api/calls/agent/login", headers=agent)
    client.post("/api/calls/agent/not-ready", json={"reason": "rest"}, headers=agent)
    with client.websocket_connect("/api/calls/ws?token=token-agent") as sock:
        assert sock.receive_json()["type"] == "snapshot"
        client.post("/api/calls/agent/dial", json={"number": "13900000000"}, headers=agent)
        notices: list[dict[str, Any]] = []
        while True:  # up to the agent's phone being released (the notice is sent before that)
            msg = sock.receive_json()
            if msg["type"] == "agent.notified":
                notices.append(msg["data"])
            if msg["type"] == "agent.state_changed" and msg["data"]["state"] not in ("ringing", "talking"):
                break
        assert [(n["kind"], n["number"]) for n in notices] == [("dial_failed", "13900000000")]
    wait_me(running, client, auth, state="not_ready", reason="rest")  # not flipped to 示闲


def test_disposition_for_a_call_that_needs_no_order(running: Running, client: TestClient, auth: H) -> None:
    running.engine.phones["1003"] = ("answer", 0)
    running.engine.phones[NUMBER] = ("answer", 0.05)
    agent = auth("agent")
    assert (
        client.post("/api/calls/agent/disposition", json={"code": "silent"}, headers=agent).status_code == 404
    )
    client.post("/api/calls/agent/login", headers=agent)
    client.post("/api/calls/agent/dial", json={"number": NUMBER}, headers=agent)
    view = wait_me(running, client, auth, state="talking")
    body = {"code": "info_given", "note": "告知高龄津贴申领材料"}
    deadline = time.monotonic() + 10  # the CDR names its agent once the writer has run
    while (r := client.post("/api/calls/agent/disposition", json=body, headers=agent)).status_code == 404:
        assert time.monotonic() < deadline, r.text
        running.run(asyncio.sleep(0.05))
    assert r.status_code == 200 and r.json() == {
        "call_id": view["call_id"],
        "disposition": "info_given",
        "disposition_note": "告知高龄津贴申领材料",
    }
    bad = client.post("/api/calls/agent/disposition", json={"code": "nonsense"}, headers=agent)
    assert bad.status_code == 422
    other = client.post("/api/calls/agent/disposition", json={"code": "other"}, headers=auth("supervisor"))
    assert other.status_code in (403, 404)  # never another agent's call
