"""The satisfaction API on both databases: queue settings (versioned, audited, 404 for a queue the
ACD does not know), answers and 不满意 flags listed with filters and pages, a flag handled once,
counts with the satisfaction rate, the agent number on the user; who may do what."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.audit.service import SYSTEM
from hotline.satisfaction.service import RatedCall, attach_work_order, record_answer
from hotline.store.db import Database
from tests.satisfaction.helpers import seed_queue

Auth = Callable[[str], dict[str, str]]


def _answers(db: Database, agent: int, keys: list[str | None]) -> None:
    with db.session() as s:
        for i, key in enumerate(keys):
            call = RatedCall(f"call-{i}", "elderly" if i % 2 == 0 else "general", agent)
            record_answer(s, SYSTEM, call, 3, key)


def test_queue_settings_are_versioned_and_audited(db: Database, client: TestClient, auth: Auth) -> None:
    seed_queue(db)
    sup = auth("supervisor")
    listed = client.get("/api/satisfaction/queues", headers=auth("agent")).json()
    assert {"queue": "elderly", "announce_agent_number": False, "survey_enabled": False}.items() <= next(
        q for q in listed if q["queue"] == "elderly"
    ).items()
    body = {"announce_agent_number": True, "survey_enabled": True, "scale": 5}
    r = client.put("/api/satisfaction/queues/elderly", json=body, headers=sup)
    assert r.status_code == 200 and r.json()["version"] == 1 and r.json()["scale"] == 5
    stale = client.put(
        "/api/satisfaction/queues/elderly", json={**body, "scale": 3, "version": 7}, headers=sup
    )
    assert stale.status_code == 409
    ok = client.put("/api/satisfaction/queues/elderly", json={**body, "scale": 3, "version": 1}, headers=sup)
    assert ok.status_code == 200 and ok.json()["scale"] == 3 and ok.json()["version"] == 2
    assert client.put("/api/satisfaction/queues/nosuch", json=body, headers=sup).status_code == 404
    assert client.put("/api/satisfaction/queues/elderly", json={"scale": 4}, headers=sup).status_code == 422
    assert client.put("/api/satisfaction/queues/elderly", json=body, headers=auth("agent")).status_code == 403
    with db.session() as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "satisfaction_queue")))
    assert actions == ["satisfaction.settings.create", "satisfaction.settings.update"]


def test_answers_flags_and_rates(db: Database, client: TestClient, auth: Auth) -> None:
    agent = seed_queue(db)
    _answers(db, agent, ["1", "3", "2", None, "3", "1"])  # elderly: 1, 2, 3; general: 3, None, 1
    sup = auth("supervisor")
    page = client.get("/api/satisfaction/answers?limit=4", headers=sup).json()
    assert len(page["items"]) == 4 and page["next_cursor"]
    assert page["items"][0]["call_uuid"] == "call-5" and page["items"][0]["agent_name"] == "王芳"
    rest = client.get(f"/api/satisfaction/answers?limit=4&cursor={page['next_cursor']}", headers=sup).json()
    assert [a["call_uuid"] for a in rest["items"]] == ["call-1", "call-0"]
    unhappy = client.get("/api/satisfaction/answers?level=dissatisfied&queue=general", headers=sup).json()
    assert [(a["call_uuid"], a["level_zh"]) for a in unhappy["items"]] == [("call-1", "不满意")]
    flags = client.get("/api/satisfaction/flags", headers=sup).json()["items"]
    assert [f["call_uuid"] for f in flags] == ["call-4", "call-1"] and {f["flag"] for f in flags} == {"open"}
    first = flags[0]
    done = client.post(
        f"/api/satisfaction/answers/{first['id']}/acknowledge",
        json={"note": "已回访致歉", "version": first["version"]},
        headers=sup,
    )
    assert (
        done.status_code == 200
        and done.json()["flag"] == "acknowledged"
        and done.json()["flag_by"] == "supervisor"
    )
    again = client.post(
        f"/api/satisfaction/answers/{first['id']}/acknowledge",
        json={"note": "again", "version": done.json()["version"]},
        headers=sup,
    )
    assert again.status_code == 409
    happy = next(a for a in page["items"] if a["flag"] is None and a["level"] == "satisfied")
    none = client.post(
        f"/api/satisfaction/answers/{happy['id']}/acknowledge",
        json={"note": "x", "version": happy["version"]},
        headers=sup,
    )
    assert none.status_code == 409
    assert [f["call_uuid"] for f in client.get("/api/satisfaction/flags", headers=sup).json()["items"]] == [
        "call-1"
    ]
    handled = client.get("/api/satisfaction/flags?state=acknowledged", headers=sup).json()["items"]
    assert [f["flag_note"] for f in handled] == ["已回访致歉"]
    rows = {r["key"]: r for r in client.get("/api/satisfaction/summary", headers=sup).json()}
    assert rows["elderly"]["satisfaction_rate"] == round(2 / 3, 4) and rows["elderly"]["surveyed"] == 3
    assert (rows["general"]["rated"], rows["general"]["unrated"], rows["general"]["satisfaction_rate"]) == (
        2,
        1,
        0.5,
    )
    by_agent = client.get("/api/satisfaction/summary?by=agent", headers=sup).json()
    assert [(r["key"], r["label"], r["surveyed"]) for r in by_agent] == [(str(agent), "王芳", 6)]
    for role, status in (
        ("agent", 403),
        ("department_handler", 403),
        ("analyst", 200),
        ("qa_inspector", 200),
    ):
        assert client.get("/api/satisfaction/flags", headers=auth(role)).status_code == status
    assert (
        client.post(
            f"/api/satisfaction/answers/{flags[1]['id']}/acknowledge",
            json={"note": "x", "version": 1},
            headers=auth("analyst"),
        ).status_code
        == 403
    )


def test_a_work_order_from_the_call_is_put_on_its_answer(db: Database) -> None:
    agent = seed_queue(db)
    _answers(db, agent, ["1", "2"])
    with db.session() as s:
        assert attach_work_order(s, SYSTEM, ["call-1", "call-9"], 42) == 1
        assert attach_work_order(s, SYSTEM, ["call-1"], 43) == 0  # the first order stays
    with db.session() as s:
        entries = list(
            s.scalars(select(AuditEntry).where(AuditEntry.action == "satisfaction.answer.work_order"))
        )
        assert [(e.entity_id, e.after) for e in entries] == [(entries[0].entity_id, {"work_order_id": 42})]


def test_agent_number_on_the_user(db: Database, client: TestClient, auth: Auth) -> None:
    agent = seed_queue(db)  # holds 1023
    admin = auth("admin")
    user = client.get(f"/api/users/{agent}", headers=admin).json()
    assert user["agent_number"] == "1023"
    made = client.post(
        "/api/users",
        json={
            "username": "agent7",
            "display_name": "李",
            "password": "password-7777",
            "role": "agent",
            "agent_number": "7",
        },
        headers=admin,
    )
    assert made.status_code == 201 and made.json()["agent_number"] == "7"
    dup = client.patch(
        f"/api/users/{made.json()['id']}", json={"agent_number": "1023", "version": 1}, headers=admin
    )
    assert dup.status_code == 409
    bad = client.patch(
        f"/api/users/{made.json()['id']}", json={"agent_number": "12a", "version": 1}, headers=admin
    )
    assert bad.status_code == 422
    ok = client.patch(
        f"/api/users/{made.json()['id']}", json={"agent_number": "8", "version": 1}, headers=admin
    )
    assert ok.status_code == 200 and ok.json()["agent_number"] == "8"
