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


def test_business_hours_edit_and_calendar(
    client: TestClient, auth: Callable[[str], dict[str, str]], db: Database
) -> None:
    sup = auth("supervisor")
    created = client.post("/api/acd/hours", json={"name": "main", "schedule": {}}, headers=sup).json()
    url = f"/api/acd/hours/{created['id']}"
    schedule = {
        **created["schedule"],
        "windows": {"workday": [["08:30", "21:00"]], "holiday": []},
        "closed_dates": ["2026-10-02"],
    }
    r = client.patch(url, json={"version": created["version"], "schedule": schedule}, headers=sup)
    assert r.status_code == 200, r.text
    assert r.json()["schedule"]["windows"]["workday"] == [["08:30", "21:00"]]
    assert (
        client.patch(url, json={"version": created["version"], "schedule": schedule}, headers=sup).status_code
        == 409
    )
    bad = {**schedule, "windows": {"workday": [["21:00", "08:00"]]}}
    assert (
        client.patch(url, json={"version": r.json()["version"], "schedule": bad}, headers=sup).status_code
        == 422
    )
    assert (
        client.patch(
            url, json={"version": r.json()["version"], "name": "x"}, headers=auth("agent")
        ).status_code
        == 403
    )

    cal = client.get(f"{url}/calendar", params={"start": "2026-09-30", "days": 12}, headers=auth("agent"))
    assert cal.status_code == 200
    days = {d["date"]: d for d in cal.json()["days"]}
    assert len(days) == 12 and isinstance(cal.json()["open_now"], bool)
    assert days["2026-09-30"]["windows"] == [["08:30", "21:00"]]
    assert (
        days["2026-10-01"]["reason"],
        days["2026-10-01"]["holiday_zh"],
        days["2026-10-01"]["windows"],
    ) == (
        "official_holiday",
        "国庆节",
        [],
    )
    assert days["2026-10-02"]["reason"] == "closed_date"
    assert days["2026-10-10"]["reason"] == "makeup_workday" and days["2026-10-10"]["kind"] == "workday"
    assert client.get(f"{url}/calendar", params={"days": 100}, headers=sup).status_code == 422
    assert client.get("/api/acd/hours/999999/calendar", headers=sup).status_code == 404
