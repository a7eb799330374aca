"""What the console's editing pages and the scoring page rely on, on both databases: a sampling
plan's rules are edited (audited, the next run picks by the new rules, what was picked stays); the
knowledge articles the agent answered with come beside the score; a complaint work order opened
from a call flags that call for sampling, so a plan asking for complaints picks it."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.audit.service import Actor
from hotline.knowledge import usage
from hotline.quality.models import CallFlag
from hotline.store.base import utcnow
from hotline.store.db import Database
from tests.knowledge.helpers import make_article
from tests.quality.helpers import add_call
from tests.quality.test_scoring import published_form, user_id

Auth = Callable[[str], dict[str, str]]


def _window() -> dict[str, str]:
    return {"since": (utcnow() - timedelta(days=1)).isoformat(), "until": utcnow().isoformat()}


def test_plan_edit_changes_what_the_next_run_picks(client: TestClient, auth: Auth, db: Database) -> None:
    agent = user_id(db, "agent")
    add_call(db, "short", agent_id=agent, talk=100)
    add_call(db, "long", agent_id=agent, talk=900)
    qa = auth("qa_inspector")
    body = {"name": "长通话", "rules": {"long_call_over": 600}}
    plan = client.post("/api/quality/plans", json=body, headers=qa)
    assert plan.status_code == 201, plan.text
    pid = plan.json()["id"]
    first = client.post(f"/api/quality/plans/{pid}/run", json=_window(), headers=qa).json()
    assert [t["call_id"] for t in first["tasks"]] == ["long"]

    body = {"name": "通话超 60 秒", "rules": {"long_call_over": 60}, "enabled": False}
    r = client.put(f"/api/quality/plans/{pid}", json=body, headers=qa)
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["name"], got["rules"]["long_call_over"], got["enabled"]) == ("通话超 60 秒", 60, False)
    again = client.post(f"/api/quality/plans/{pid}/run", json=_window(), headers=qa).json()
    assert [t["call_id"] for t in again["tasks"]] == ["short"]  # "long" was picked already and stays
    assert len(client.get("/api/quality/tasks", headers=qa).json()) == 2

    bad = {"name": "x", "rules": {"auto_flags": ["nope"]}}
    assert client.put(f"/api/quality/plans/{pid}", json=bad, headers=qa).status_code == 422
    assert client.put("/api/quality/plans/99999", json=body, headers=qa).status_code == 404
    assert client.put(f"/api/quality/plans/{pid}", json=body, headers=auth("agent")).status_code == 403
    with db.session() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "quality.plan.edit"))
        assert entry is not None and entry.before["rules"]["long_call_over"] == 600  # type: ignore[index]


def test_score_shows_the_knowledge_used_on_the_call(client: TestClient, auth: Auth, db: Database) -> None:
    form = published_form(client, auth)
    add_call(db, "kb-call", agent_id=user_id(db, "agent"))
    first = make_article(db, title="高龄津贴申领条件")
    second = make_article(db, title="居家养老服务补贴", questions=["居家养老补贴"])
    with db.session() as s:
        who = Actor(user_id(db, "agent"), "agent")
        usage.mark_used(s, who, second, "kb-call")
        usage.mark_used(s, who, first, "other-call")
    with db.session() as s:
        usage.mark_used(s, who, first, "kb-call")
        usage.mark_used(s, who, second, "kb-call")  # used twice: listed once, at its first use
    qa = auth("qa_inspector")
    r = client.post("/api/quality/scores", json={"call_id": "kb-call", "form_id": form["id"]}, headers=qa)
    assert r.status_code == 201, r.text
    assert [(a["id"], a["title"]) for a in r.json()["articles"]] == [
        (second, "居家养老服务补贴"),
        (first, "高龄津贴申领条件"),
    ]
    listed = client.get("/api/quality/scores", params={"call_id": "kb-call"}, headers=qa).json()
    assert listed[0]["articles"] is None  # lists stay one query per page: details only


def test_complaint_order_flags_its_call_for_sampling(client: TestClient, auth: Auth, db: Database) -> None:
    agent = user_id(db, "agent")
    add_call(db, "complained", agent_id=agent, talk=30)
    add_call(db, "asked", agent_id=agent, talk=30)
    common = {"title": "话务员态度差", "content": "来电人投诉话务员态度不好"}
    # The inquiry first: once the complaint's flag is there, the inquiry's event was handled too.
    for kind, call in (("inquiry", "asked"), ("complaint", "complained")):
        body = {**common, "type": kind, "call_ids": [call]}
        r = client.post("/api/workorders", json=body, headers=auth("agent"))
        assert r.status_code == 201, r.text
    deadline = time.monotonic() + 10
    while True:  # the flag is written by the quality plug-in's bus subscriber, after the commit
        with db.session() as s:
            flags = {(f.call_uuid, f.reason) for f in s.scalars(select(CallFlag))}
        if flags or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert flags == {("complained", "complaint")}
    qa = auth("qa_inspector")
    plan = client.post(
        "/api/quality/plans", json={"name": "投诉", "rules": {"call_flags": ["complaint"]}}, headers=qa
    ).json()
    run = client.post(f"/api/quality/plans/{plan['id']}/run", json=_window(), headers=qa).json()
    assert {t["call_id"]: t["reasons"] for t in run["tasks"]} == {"complained": ["flag:complaint"]}
