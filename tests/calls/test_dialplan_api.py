"""Toll fraud over the API, against a running call center (engine double): transfers to a SIP URI
and international / satellite dials are refused with 403 `number_refused` and audited, nothing
reaches the engine; allowed dials, transfers and callbacks are audited with the number masked; a
callback to a spoofed satellite caller number is refused when it would ring."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.acd.states import AgentState
from hotline.audit.models import AuditEntry
from hotline.calls.center import CallCenter
from hotline.store.db import Database
from tests.calls.conftest import Running
from tests.calls.fakes import FakeEngine
from tests.calls.helpers import run_center, seed, until

H = Callable[[str], dict[str, str]]


def _audit(db: Database, action: str) -> list[AuditEntry]:
    with db.session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _talking(running: Running, client: TestClient, agent: dict[str, str], caller: str) -> Any:
    """The "agent" user (extension 1003) answers a call from `caller`; returns the caller's leg."""
    running.engine.phones["1003"] = ("answer", 0.01)
    assert client.post("/api/calls/agent/login", headers=agent).status_code == 200
    leg = running.run(running.engine.incoming(caller, "1"))
    me = client.get("/api/calls/agent/me", headers=agent).json()["agent_id"]
    running.run(until(lambda: running.center.acd.agents[me].state is AgentState.talking))
    return leg


def test_transfer_to_a_sip_uri_is_refused_and_audited(
    running: Running, client: TestClient, auth: H, db: Database
) -> None:
    agent = auth("agent")
    caller = _talking(running, client, agent, "13812345678")
    before = len(running.engine.originated)
    for kind in ("external", "agent"):
        r = client.post(
            "/api/calls/agent/transfer", json={"kind": kind, "target": "sip:x@evil.example"}, headers=agent
        )
        assert r.status_code == 403, r.text
        body = r.json()
        assert r.headers["content-type"].startswith("application/problem+json")
        assert body["code"] == "number_refused" and body["title_zh"] == "号码不允许呼出"
        assert body["detail_zh"].startswith("该号码不允许呼出")
    # a number for an "agent" transfer is not an extension of the center
    r = client.post(
        "/api/calls/agent/transfer", json={"kind": "agent", "target": "13900001111"}, headers=agent
    )
    assert r.status_code == 403 and "不是本中心分机" in r.json()["detail_zh"]
    r = client.post(
        "/api/calls/agent/transfer", json={"kind": "external", "target": "+88212345678"}, headers=agent
    )
    assert r.status_code == 403 and r.json()["category"] == "satellite"
    assert len(running.engine.originated) == before  # nothing was ever rung
    assert caller.is_active and not any("evil" in leg.dialed for leg in running.engine.originated)
    refused = _audit(db, "transfer_refused")
    assert [(e.actor, e.entity, (e.after or {})["number"]) for e in refused[:2]] == [
        ("agent", "call", "sip:***@evil.example"),
        ("agent", "call", "sip:***@evil.example"),
    ]
    assert [(e.after or {})["category"] for e in refused] == ["invalid", "invalid", "mobile", "satellite"]
    assert (refused[2].after or {})["number"] == "139****1111"
    # an allowed transfer (to a mobile) goes through and is audited too
    running.engine.phones["13900002222"] = ("ignore", 0)
    r = client.post(
        "/api/calls/agent/transfer", json={"kind": "external", "target": "139-0000-2222"}, headers=agent
    )
    assert r.status_code == 200, r.text
    running.run(until(lambda: any(leg.dialed == "13900002222" for leg in running.engine.originated)))
    [done] = _audit(db, "transfer")
    assert (done.after or {}) == {
        "number": "139****2222",
        "category": "mobile",
        "reason": "mobile allowed",
        "kind": "external",
    }


def test_international_and_satellite_dials_are_refused_and_audited(
    running: Running, client: TestClient, auth: H, db: Database
) -> None:
    agent = auth("agent")
    assert client.post("/api/calls/agent/login", headers=agent).status_code == 200
    for number, category in (
        ("0090900123456", "international"),
        ("+88212345678", "satellite"),
        ("19001234567", "premium"),
    ):
        r = client.post("/api/calls/agent/dial", json={"number": number}, headers=agent)
        assert r.status_code == 403, r.text
        assert r.json()["category"] == category and r.json()["detail_zh"].startswith("该号码不允许呼出")
    assert running.engine.originated == []  # not even the agent's own phone rang
    refused = _audit(db, "dial_refused")
    assert [((e.after or {})["number"], (e.after or {})["category"]) for e in refused] == [
        ("009******3456", "international"),
        ("008******5678", "satellite"),
        ("190****4567", "premium"),
    ]
    assert all(e.actor == "agent" and "话务员" not in (e.after or {})["reason"] for e in refused)
    # consults go by the same plan
    r = client.post("/api/calls/agent/consult", json={"target": "0090900123456"}, headers=agent)
    assert r.status_code == 403 and len(_audit(db, "consult_refused")) == 1
    # allowed: a mobile, audited with the number masked
    running.engine.phones["1003"] = ("ignore", 0)
    r = client.post("/api/calls/agent/dial", json={"number": "+8613812345678"}, headers=agent)
    assert r.status_code == 200, r.text
    [dial] = _audit(db, "dial")
    assert dial.entity_id == r.json()["call_id"] and (dial.after or {})["number"] == "138****5678"
    assert running.engine.originated[-1].caller == "13812345678"  # normalised before it rings


def test_callback_numbers_follow_the_queue_plan(
    running: Running, client: TestClient, auth: H, db: Database
) -> None:
    agent = auth("agent")
    running.run(running.engine.incoming("13812345678", "1"))
    running.run(until(lambda: bool(running.center.views.queue_view("elderly"))))
    call_id = running.center.views.queue_view("elderly")[0]["call_id"]
    r = client.post("/api/calls/callback", json={"call_id": call_id, "number": "+88212345678"}, headers=agent)
    assert r.status_code == 403 and r.json()["detail_zh"].startswith("该号码不允许呼出")
    r = client.post("/api/calls/callback", json={"call_id": call_id, "number": "120"}, headers=agent)
    assert r.status_code == 403 and "紧急号码不能作为回拨号码" in r.json()["detail_zh"]
    assert [(e.entity_id, (e.after or {})["queue"]) for e in _audit(db, "callback_refused")] == [
        (call_id, "elderly"),
        (call_id, "elderly"),
    ]
    assert not running.center.views.queue_view("elderly")[0]["callback"]
    r = client.post("/api/calls/callback", json={"call_id": call_id, "number": "13900001111"}, headers=agent)
    assert r.status_code == 200
    [ok] = _audit(db, "callback")
    assert (ok.entity_id, (ok.after or {})["number"]) == (call_id, "139****1111")
    assert running.center.views.queue_view("elderly")[0]["callback"]


def test_a_callback_to_a_spoofed_satellite_caller_is_never_rung(db: Database, tmp_path: Path) -> None:
    """A caller presenting +882… presses 1 for a callback: the agent is offered it, but the dial
    plan refuses to ring the number (callback_failed); refused and allowed callback dials are
    audited."""
    ids = seed(db)

    async def body(center: CallCenter, engine: FakeEngine) -> None:
        engine.phones.update({"1001": ("answer", 0.01), "+88212345678": ("answer", 0.01)})
        engine.phones["13800000009"] = ("answer", 0.01)
        for number in ("+88212345678", "13800000009"):  # menu 1, then 1 = call me back
            caller = await engine.incoming(number, "11")
            await until(lambda: not caller.is_active)  # noqa: B023 (awaited in this iteration)
        center.control.login(ids["a1"])
        await until(lambda: bool(_audit(db, "callback_dial_refused")))
        # the ordinary caller's callback rings (its dial audited too); the spoofed one never does
        await until(lambda: any(leg.dialed == "13800000009" for leg in engine.originated))
        await until(lambda: bool(_audit(db, "callback_dial")))
        assert not any(leg.dialed == "+88212345678" for leg in engine.originated)

    run_center(db, tmp_path, body)
    refused = _audit(db, "callback_dial_refused")[0]
    assert (refused.actor, (refused.after or {})["category"], (refused.after or {})["queue"]) == (
        "system",
        "satellite",
        "elderly",
    )
    [dial] = _audit(db, "callback_dial")
    assert (dial.actor, (dial.after or {})["number"], (dial.after or {})["category"]) == (
        "system",
        "138****0009",
        "mobile",
    )


def test_a_flow_ringing_a_refused_number_is_not_published(client: TestClient, auth: H) -> None:
    """A supervisor (ivr.write) cannot make every caller's call a toll-fraud one: transfer and
    emergency numbers of a flow pass the dial plan for flows before it goes live."""
    sup = auth("supervisor")
    for n, (node, category) in enumerate(
        [
            ({"type": "transfer", "target_kind": "external", "target": "sip:x@evil.example"}, "invalid"),
            ({"type": "transfer", "target_kind": "agent", "target": "+88212345678"}, "satellite"),
            ({"type": "emergency", "numbers": ["120", "0090900123456"]}, "international"),
        ]
    ):
        flow = {"start": "out", "nodes": {"out": node}}
        r = client.post("/api/ivr/flows", json={"name": f"fraud{n}", "definition": flow}, headers=sup)
        assert r.status_code == 201, r.text
        r = client.post(f"/api/ivr/flows/{r.json()['id']}/publish", headers=sup)
        assert r.status_code == 403 and r.json()["category"] == category, r.text
        assert r.json()["detail_zh"].startswith("该号码不允许呼出")
    ok = {"start": "out", "nodes": {"out": {"type": "emergency", "numbers": ["120", "13900000001"]}}}
    r = client.post("/api/ivr/flows", json={"name": "fine", "definition": ok}, headers=sup)
    assert client.post(f"/api/ivr/flows/{r.json()['id']}/publish", headers=sup).status_code == 200
