"""ACD configuration over the API: queues, skills, business hours, validation and audit."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from hotline.acd.demo import load
from hotline.acd.service import runtime_config
from hotline.audit.service import Actor
from hotline.store.db import Database

H = Callable[[str], dict[str, str]]


def test_queues_and_skills(client: TestClient, auth: H, db: Database) -> None:
    sup = auth("supervisor")
    r = client.post("/api/acd/queues", json={"name": "elderly", "label": "养老"}, headers=sup)
    assert r.status_code == 201, r.text
    qid = r.json()["id"]
    bad = {"name": "x", "label": "x", "overflow_kind": "queue", "overflow_target": "nope"}
    assert client.post("/api/acd/queues", json=bad, headers=sup).status_code == 422
    assert (
        client.post("/api/acd/queues", json={"name": "elderly", "label": "y"}, headers=sup).status_code == 409
    )
    assert (
        client.post("/api/acd/queues", json={"name": "q2", "label": "y"}, headers=auth("agent")).status_code
        == 403
    )
    r = client.patch(f"/api/acd/queues/{qid}", json={"version": 1, "strategy": "ring_all"}, headers=sup)
    assert r.status_code == 200 and r.json()["version"] == 2
    assert client.patch(f"/api/acd/queues/{qid}", json={"version": 1}, headers=sup).status_code == 409
    r = client.put(
        "/api/acd/agents/1/skills", json={"skills": [{"queue": "elderly", "level": 7}]}, headers=sup
    )
    assert r.json() == [{"queue": "elderly", "level": 7}]
    assert client.get("/api/acd/agents/1/skills", headers=auth("agent")).json() == [
        {"queue": "elderly", "level": 7}
    ]
    r = client.post("/api/acd/hours", json={"name": "x", "schedule": {"timezone": "Nope/Nope"}}, headers=sup)
    assert r.status_code == 422
    r = client.post("/api/acd/hours", json={"name": "h", "schedule": {"always_open": True}}, headers=sup)
    assert r.status_code == 201
    with db.session() as s:
        queues, agents = runtime_config(s)
    assert [q.name for q in queues] == ["elderly"] and queues[0].strategy.value == "ring_all"
    assert agents[0].skills == {"elderly": 7}


def test_demo_loads_once(db: Database) -> None:
    with db.session() as s:
        load(s, Actor(None, "t"))
        load(s, Actor(None, "t"))
        queues, _ = runtime_config(s)
    assert {q.name for q in queues} == {"general", "elderly", "assistance", "disability", "child_welfare"}
