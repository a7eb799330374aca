"""Forms, scores, appeals, calibration and scorecards through the API, on both databases.

A form version published while an inspector scores keeps their version; a published version
cannot change; the agent sees and appeals only their own submitted score; the supervisor changes
it; every step is in the audit log; a score whose recording expired still shows, saying the
audio is gone; the scorecard counts the decided score and exports to Excel."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select, update

from hotline.audit.models import AuditEntry
from hotline.calls.models import Recording
from hotline.people.service import user_by_username
from hotline.store.base import utcnow
from hotline.store.db import Database
from tests.quality.helpers import add_call

Auth = Callable[[str], dict[str, str]]

FORM: dict[str, Any] = {
    "code": "hotline",
    "name": "热线通话质检表",
    "sections": [
        {
            "title": "服务规范",
            "items": [
                {"key": "greeting", "label": "规范开场白", "points": 10},
                {"key": "verify", "label": "核实来电人信息", "points": 20},
                {"key": "attitude", "label": "服务态度", "points": 30, "mode": "deduction"},
            ],
        },
        {
            "title": "业务处理",
            "items": [
                {"key": "answer", "label": "答复准确", "points": 40},
                {"key": "privacy", "label": "泄露个人信息", "points": 0, "critical": True},
            ],
        },
    ],
}
FULL = {"greeting": {"awarded": 10}, "verify": {"awarded": 20}, "answer": {"awarded": 40}}


def user_id(db: Database, name: str) -> int:
    with db.session() as s:
        user = user_by_username(s, name)
        assert user is not None
        return user.id


def published_form(client: TestClient, auth: Auth, body: dict[str, Any] = FORM) -> dict[str, Any]:
    r = client.post("/api/quality/forms", json=body, headers=auth("qa_inspector"))
    assert r.status_code == 201, r.text
    r = client.post(f"/api/quality/forms/{r.json()['id']}/publish", headers=auth("qa_inspector"))
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_form_versions(client: TestClient, auth: Auth, db: Database, tmp_path: Path) -> None:
    v1 = published_form(client, auth)
    assert (v1["version"], v1["status"], v1["max_points"]) == (1, "published", 100)
    r = client.put(f"/api/quality/forms/{v1['id']}", json=FORM, headers=auth("qa_inspector"))
    assert r.status_code == 409 and "新建版本" in r.json()["detail_zh"]
    dup = {**FORM, "sections": [{"title": "x", "items": [FORM["sections"][0]["items"][0]] * 2}]}
    assert (
        client.post(
            "/api/quality/forms", json={**dup, "code": "dup"}, headers=auth("qa_inspector")
        ).status_code
        == 422
    )
    assert client.post("/api/quality/forms", json=FORM, headers=auth("agent")).status_code == 403

    # An inspector starts scoring on v1; meanwhile v2 (greeting worth 20) is published.
    add_call(db, "call-v", agent_id=user_id(db, "agent"))
    r = client.post(
        "/api/quality/scores", json={"call_id": "call-v", "form_id": v1["id"]}, headers=auth("qa_inspector")
    )
    assert r.status_code == 201, r.text
    score = r.json()
    v2 = client.post(f"/api/quality/forms/{v1['id']}/versions", headers=auth("qa_inspector")).json()
    changed = {**FORM, "sections": [dict(FORM["sections"][0]), FORM["sections"][1]]}
    changed["sections"][0]["items"] = [{"key": "greeting", "label": "规范开场白", "points": 20}]
    r = client.put(f"/api/quality/forms/{v2['id']}", json=changed, headers=auth("qa_inspector"))
    assert r.status_code == 200 and r.json()["max_points"] == 60
    assert (
        client.post(f"/api/quality/forms/{v2['id']}/publish", headers=auth("qa_inspector")).json()["version"]
        == 2
    )
    assert (
        client.get(f"/api/quality/forms/{v1['id']}", headers=auth("supervisor")).json()["status"] == "retired"
    )
    # New scores need the published version...
    r = client.post(
        "/api/quality/scores",
        json={"call_id": "call-v", "form_id": v1["id"], "calibration": True},
        headers=auth("qa_inspector"),
    )
    assert r.status_code == 409
    # ...but the one under way is graded on v1: verify (a v1 item) counts, the total is out of 100.
    answers = {**FULL, "attitude": {"deducted": 5}}
    r = client.post(
        f"/api/quality/scores/{score['id']}/submit",
        json={"version": score["version"], "answers": answers, "comments": []},
        headers=auth("qa_inspector"),
    )
    assert r.status_code == 200, r.text
    assert (r.json()["total"], r.json()["max_points"], r.json()["form"]["version"]) == (95, 100, 1)


def test_score_appeal_decide_scorecard(client: TestClient, auth: Auth, db: Database, tmp_path: Path) -> None:
    form = published_form(client, auth)
    agent = user_id(db, "agent")
    rid = add_call(db, "call-1", agent_id=agent, path=tmp_path / "call-1.wav")
    add_call(db, "call-2", agent_id=agent)
    qa = auth("qa_inspector")

    def score(call: str, answers: dict[str, Any], comments: list[dict[str, Any]] = ()) -> dict[str, Any]:  # type: ignore[assignment]
        s = client.post(
            "/api/quality/scores", json={"call_id": call, "form_id": form["id"]}, headers=qa
        ).json()
        assert (
            client.post(
                "/api/quality/scores", json={"call_id": call, "form_id": form["id"]}, headers=qa
            ).json()["id"]
            == s["id"]
        )
        r = client.put(
            f"/api/quality/scores/{s['id']}",
            json={"version": s["version"], "answers": {"greeting": {"awarded": 5}}},
            headers=qa,
        )
        assert r.status_code == 200 and r.json()["state"] == "draft"
        # The agent never sees a draft.
        assert client.get(f"/api/quality/my/scores/{s['id']}", headers=auth("agent")).status_code == 404
        body = {"version": r.json()["version"], "answers": answers, "comments": list(comments)}
        incomplete = client.post(
            f"/api/quality/scores/{s['id']}/submit", json={**body, "answers": {}}, headers=qa
        )
        assert incomplete.status_code == 422 and "未评分" in incomplete.json()["detail_zh"]
        r = client.post(f"/api/quality/scores/{s['id']}/submit", json=body, headers=qa)
        assert r.status_code == 200, r.text
        return dict(r.json())

    comments = [{"at": 12.5, "text": "未核实身份", "item": "verify"}, {"at": 3.0, "text": "开场白完整"}]
    first = score("call-1", {**FULL, "verify": {"awarded": 0, "comment": "没有核实"}}, comments)
    assert first["total"] == 80 and [c["at"] for c in first["comments"]] == [3.0, 12.5]
    second = score("call-2", {**FULL, "privacy": {"failed": True}})
    assert second["total"] == 0 and second["critical_failed"]  # 一票否决

    mine = client.get("/api/quality/my/scores", headers=auth("agent")).json()
    assert sorted(s["id"] for s in mine) == sorted([first["id"], second["id"]])
    assert client.get(f"/api/quality/my/scores/{first['id']}", headers=auth("supervisor")).status_code == 404
    r = client.post(
        f"/api/quality/my/scores/{second['id']}/acknowledge",
        json={"version": second["version"]},
        headers=auth("agent"),
    )
    assert r.status_code == 200 and r.json()["state"] == "acknowledged"
    r = client.post(
        f"/api/quality/my/scores/{second['id']}/appeal",
        json={"version": r.json()["version"], "reason": "晚了"},
        headers=auth("agent"),
    )
    assert r.status_code == 409  # acknowledged is final

    r = client.post(
        f"/api/quality/my/scores/{first['id']}/appeal",
        json={"version": first["version"], "reason": "来电人是老客户，系统已自动核实身份"},
        headers=auth("agent"),
    )
    assert r.status_code == 200 and r.json()["state"] == "appealed", r.text
    appealed = r.json()
    assert [a["id"] for a in client.get("/api/quality/appeals", headers=auth("supervisor")).json()] == [
        first["id"]
    ]
    assert client.get("/api/quality/appeals", headers=auth("agent")).status_code == 403
    stale = {"version": first["version"], "decision": "uphold", "note": "x"}
    assert (
        client.post(
            f"/api/quality/appeals/{first['id']}/decision", json=stale, headers=auth("supervisor")
        ).status_code
        == 409
    )
    decision = {
        "version": appealed["version"],
        "decision": "change",
        "note": "系统已核实，改判",
        "answers": {**FULL, "verify": {"awarded": 15}},
    }
    r = client.post(f"/api/quality/appeals/{first['id']}/decision", json=decision, headers=auth("supervisor"))
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["total"], r.json()["original_total"]) == ("changed", 95, 80)

    with db.session() as s:
        actions = [
            a
            for (a,) in s.execute(
                select(AuditEntry.action)
                .where(AuditEntry.entity == "quality_score", AuditEntry.entity_id == str(first["id"]))
                .order_by(AuditEntry.id)
            )
        ]
    assert actions == [
        "quality.score.start",
        "quality.score.save",
        "quality.score.submit",
        "quality.score.appeal",
        "quality.score.change",
    ]

    # The recording expires: the score stays and says the audio is gone.
    with db.session() as s:  # the call's work order shows beside the score
        s.execute(update(Recording).where(Recording.id == rid).values(work_order_id=77))
    shown = client.get(f"/api/quality/scores/{first['id']}", headers=auth("supervisor")).json()
    assert shown["audio"]["available"] and shown["work_order_id"] == 77
    with db.session() as s:
        s.execute(update(Recording).where(Recording.id == rid).values(deleted_at=utcnow()))
    r = client.get(f"/api/quality/my/scores/{first['id']}", headers=auth("agent"))
    assert r.status_code == 200 and r.json()["total"] == 95
    assert r.json()["audio"] == {
        "available": False,
        "reason": r.json()["audio"]["reason"],
        "reason_zh": "录音已超过保存期限被删除，评分仍保留",
    }

    since, until = (utcnow() - timedelta(days=1)).isoformat(), (utcnow() + timedelta(days=1)).isoformat()
    r = client.get(
        "/api/quality/scorecards", params={"since": since, "until": until}, headers=auth("supervisor")
    )
    assert r.status_code == 200, r.text
    [card] = r.json()
    assert (card["key"], card["name"], card["count"], card["critical_failed"], card["changed"]) == (
        agent,
        "agent",
        2,
        1,
        1,
    )
    assert card["average"] == 47.5 and card["pass_rate"] == 0.5 and len(card["trend"]) == 1
    assert card["most_missed"][0]["key"] in {"verify", "privacy"}
    r = client.get(
        "/api/quality/scorecards.xlsx",
        params={"since": since, "until": until, "by": "team"},
        headers=auth("analyst"),
    )
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None and ws.cell(2, 1).value == "对象" and ws.cell(3, 2).value == 2


def test_calibration_spread(client: TestClient, auth: Auth, db: Database) -> None:
    form = published_form(client, auth)
    add_call(db, "call-cal", agent_id=user_id(db, "agent"))
    totals = []
    for role, verify in (("qa_inspector", 20), ("admin", 5)):
        s = client.post(
            "/api/quality/scores",
            json={"call_id": "call-cal", "form_id": form["id"], "calibration": True},
            headers=auth(role),
        ).json()
        body = {"version": s["version"], "answers": {**FULL, "verify": {"awarded": verify}}}
        r = client.post(f"/api/quality/scores/{s['id']}/submit", json=body, headers=auth(role))
        assert r.status_code == 200, r.text
        totals.append(r.json()["total"])
    r = client.get("/api/quality/calibration/call-cal", headers=auth("supervisor"))
    assert r.status_code == 200, r.text
    cal = r.json()
    assert cal["total_spread"] == 15 and len(cal["inspectors"]) == 2
    top = cal["items"][0]
    assert (top["key"], top["spread"], top["mean"]) == ("verify", 15, 12.5)
    assert (
        client.get("/api/quality/my/scores", headers=auth("agent")).json() == []
    )  # calibration: not the agent's
    assert client.get("/api/quality/calibration/none", headers=auth("supervisor")).status_code == 404
