"""The workforce API end to end on both databases: handover cannot complete unacknowledged, a
roster generated (gaps named when agents are too few), published, seen by the agent, swapped with
approval and edited; the staffing plan; the duty roster on the wallboard (phones masked without
`pii.read`); adherence against the agent state log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.audit.service import Actor
from hotline.calls.models import AgentStateRow, Call
from hotline.people.permissions import Role
from hotline.people.schemas import UserIn
from hotline.people.service import create_user, user_by_username
from hotline.store.db import Database
from hotline.workforce import adherence, planning

Auth = Callable[[str], dict[str, str]]
DAY = date(2026, 3, 2)  # a Monday


def _uid(db: Database, name: str) -> int:
    with db.session() as s:
        user = user_by_username(s, name)
        assert user is not None
        return user.id


def test_handover_cannot_complete_unacknowledged(client: TestClient, auth: Auth, db: Database) -> None:
    body = {
        "shift_label": "2026-03-02 白班",
        "notes": "12 号线路有杂音，已报修",
        "system_alerts": ["中继 2 掉线 5 分钟"],
    }
    assert client.post("/api/workforce/handovers", json=body, headers=auth("agent")).status_code == 403
    r = client.post("/api/workforce/handovers", json=body, headers=auth("supervisor"))
    assert r.status_code == 201, r.text
    h = r.json()
    assert h["state"] == "open"
    snap = h["snapshot"]
    assert snap["pending_callbacks"] == 0 and snap["overdue_orders"] == 0
    assert snap["system_alerts"] == ["中继 2 掉线 5 分钟"] and snap["open_emergencies"] == []
    url = f"/api/workforce/handovers/{h['id']}"
    refused = client.post(f"{url}/complete", json={"version": h["version"]}, headers=auth("supervisor"))
    assert refused.status_code == 409
    assert "接班人尚未确认" in refused.json()["detail_zh"]
    # The writer cannot acknowledge their own handover: the incoming shift does.
    own = client.post(f"{url}/acknowledge", json={"version": h["version"]}, headers=auth("supervisor"))
    assert own.status_code == 409
    ack = client.post(
        f"{url}/acknowledge", json={"version": h["version"], "note": "已阅"}, headers=auth("admin")
    )
    assert ack.status_code == 200, ack.text
    assert ack.json()["state"] == "acknowledged" and ack.json()["acknowledged_by"] == _uid(db, "admin")
    again = client.post(f"{url}/acknowledge", json={}, headers=auth("admin"))
    assert again.status_code == 409
    done = client.post(f"{url}/complete", json={"version": ack.json()["version"]}, headers=auth("supervisor"))
    assert done.status_code == 200 and done.json()["state"] == "handed_over"
    with db.session() as s:
        actions = s.scalars(
            select(AuditEntry.action).where(AuditEntry.entity == "workforce_handover").order_by(AuditEntry.id)
        ).all()
    assert actions == ["create", "acknowledge", "complete"]


def _add_agents(db: Database, n: int) -> list[int]:
    ids = []
    with db.session() as s:
        for i in range(n):
            user = create_user(
                s,
                Actor(None, "test"),
                UserIn(username=f"wf{i}", display_name=f"座席{i}", password="password-x1", role=Role.agent),
            )
            ids.append(user.id)
    return ids


def test_roster_generate_publish_see_swap_edit(client: TestClient, auth: Auth, db: Database) -> None:
    _add_agents(db, 3)  # with the seeded agent and supervisor: 5 plannable people
    required = [0] * (7 * 48)
    for d in range(7):
        for slot in range(18, 34):  # 09:00-17:00
            required[d * 48 + slot] = 2
    for slot in range(18, 34):
        required[2 * 48 + slot] = 7  # Wednesday asks for more people than there are
    body = {"name": "三月第一周", "first_day": DAY.isoformat(), "days": 7, "required": required}
    assert client.post("/api/workforce/rosters", json=body, headers=auth("agent")).status_code == 403
    r = client.post("/api/workforce/rosters", json=body, headers=auth("supervisor"))
    assert r.status_code == 201, r.text
    detail = r.json()
    roster = detail["roster"]
    assert roster["state"] == "draft"
    gaps = detail["gaps"]
    assert {g["missing"] for g in gaps} == {2} and len(gaps) == 16  # 5 people, 7 wanted, 16 half hours
    assert all(g["start"].startswith("2026-03-04T") for g in gaps)  # Wednesday (UTC 01:00-09:00)
    agent_id = _uid(db, "agent")
    # Nothing visible before publishing.
    mine = client.get(
        "/api/workforce/me/schedule", params={"first_day": DAY.isoformat(), "days": 7}, headers=auth("agent")
    )
    assert mine.status_code == 200 and mine.json() == []
    pub = client.post(
        f"/api/workforce/rosters/{roster['id']}/publish",
        json={"version": roster["version"]},
        headers=auth("supervisor"),
    )
    assert pub.status_code == 200 and pub.json()["state"] == "published"
    mine = client.get(
        "/api/workforce/me/schedule", params={"first_day": DAY.isoformat(), "days": 7}, headers=auth("agent")
    ).json()
    assert mine and all(s["user_id"] == agent_id for s in mine)
    # Swap: the agent offers a shift to a colleague free that day; the supervisor approves.
    shift = mine[0]
    busy = {s["user_id"] for s in detail["shifts"] if s["day"] == shift["day"]}
    free = [u for u in _ids_of(detail) | {_uid(db, f"wf{i}") for i in range(3)} if u not in busy]
    assert free, "someone is off that day (at most 5 days a week)"
    sw = client.post(
        "/api/workforce/swaps",
        json={"shift_id": shift["id"], "to_user_id": free[0], "reason": "家中有事"},
        headers=auth("agent"),
    )
    assert sw.status_code == 201, sw.text
    theirs = client.post(
        "/api/workforce/swaps",
        json={"shift_id": shift["id"], "to_user_id": free[0]},
        headers=auth("supervisor"),
    )
    assert theirs.status_code == 403  # not the supervisor's shift
    assert (
        client.post(
            f"/api/workforce/swaps/{sw.json()['id']}/decision", json={"approve": True}, headers=auth("agent")
        ).status_code
        == 403
    )
    ok = client.post(
        f"/api/workforce/swaps/{sw.json()['id']}/decision", json={"approve": True}, headers=auth("supervisor")
    )
    assert ok.status_code == 200 and ok.json()["state"] == "approved"
    after = client.get(f"/api/workforce/rosters/{roster['id']}", headers=auth("supervisor")).json()
    moved = next(s for s in after["shifts"] if s["id"] == shift["id"])
    assert moved["user_id"] == free[0]
    # A supervisor's edit: another template, same agent.
    edit = client.put(
        f"/api/workforce/shifts/{shift['id']}",
        json={"user_id": free[0], "template": "D", "version": moved["version"]},
        headers=auth("supervisor"),
    )
    assert edit.status_code == 200, edit.text
    assert edit.json()["starts_at"].startswith(f"{shift['day']}T02:00")  # 10:00 Beijing
    stale = client.put(
        f"/api/workforce/shifts/{shift['id']}",
        json={"user_id": free[0], "template": "C", "version": moved["version"]},
        headers=auth("supervisor"),
    )
    assert stale.status_code == 409


def _ids_of(detail: dict[str, object]) -> set[int]:
    return {int(s["user_id"]) for s in detail["shifts"]}  # type: ignore[attr-defined,index]


def test_staffing_plan_forecast_vs_actual(client: TestClient, auth: Auth, db: Database) -> None:
    # Four Mondays of history: 20 calls between 10:00 and 10:30 Beijing, 180 s each.
    with db.session() as s:
        for week in range(1, 5):
            at = datetime(2026, 3, 2, 2, 0, tzinfo=UTC) - timedelta(weeks=week)
            for i in range(20):
                t = at + timedelta(seconds=60 * i)
                s.add(Call(uuid=f"h{week}-{i}", started_at=t, answered_at=t, talk_seconds=180.0))
        t = datetime(2026, 3, 2, 2, 5, tzinfo=UTC)
        s.add(Call(uuid="today", started_at=t, answered_at=t, talk_seconds=100.0))
    params = {"first_day": DAY.isoformat(), "days": 1, "model": "erlang_c"}
    assert client.get("/api/workforce/plan", params=params, headers=auth("agent")).status_code == 403
    r = client.get("/api/workforce/plan", params=params, headers=auth("supervisor"))
    assert r.status_code == 200, r.text
    plan = r.json()
    assert len(plan["forecast"]) == len(plan["required"]) == len(plan["scheduled"]) == 48
    assert plan["aht"] == 180.0
    assert plan["forecast"][20] > 10 and plan["forecast"][2] == 0  # the 10:00 half hour, not 01:00
    assert plan["required"][20] >= 3 and plan["scheduled"][20] > plan["required"][20]  # shrinkage
    assert plan["actual"][20] == 1  # what came that day (the plan's day is in the past here)


def test_duty_roster_on_the_wallboard(client: TestClient, auth: Auth, db: Database) -> None:
    today = datetime.now(UTC).astimezone(planning.LOCAL).date()
    body = {
        "day": today.isoformat(),
        "kind": "night",
        "leader_name": "王班长",
        "phone": "13812345678",
        "members": ["李", "张"],
    }
    assert client.put("/api/workforce/duty", json=body, headers=auth("agent")).status_code == 403
    assert client.put("/api/workforce/duty", json=body, headers=auth("supervisor")).status_code == 200
    board = client.get("/api/workforce/wallboard", headers=auth("agent")).json()
    assert board["duty"][0]["leader_name"] == "王班长" and board["duty"][0]["phone"] == "13812345678"
    masked = client.get("/api/workforce/wallboard", headers=auth("analyst")).json()
    assert masked["duty"][0]["phone"] != "13812345678"
    assert client.get("/api/workforce/wallboard", headers=auth("department_handler")).status_code == 403


def test_adherence_against_the_state_log(client: TestClient, auth: Auth, db: Database) -> None:
    required = [0] * 48
    for slot in range(18, 34):
        required[slot] = 1
    body = {"name": "一天", "first_day": DAY.isoformat(), "days": 1, "required": required}
    roster = client.post("/api/workforce/rosters", json=body, headers=auth("supervisor")).json()["roster"]
    client.post(f"/api/workforce/rosters/{roster['id']}/publish", json={}, headers=auth("supervisor"))
    detail = client.get(f"/api/workforce/rosters/{roster['id']}", headers=auth("supervisor")).json()
    (shift,) = detail["shifts"]
    start = datetime.fromisoformat(shift["starts_at"])
    with db.session() as s:
        # Ready 30 min late, not ready for 60 min mid-shift, then ready to the end.
        s.add(AgentStateRow(agent_id=shift["user_id"], state="ready", at=start + timedelta(minutes=30)))
        s.add(AgentStateRow(agent_id=shift["user_id"], state="not_ready", at=start + timedelta(hours=3)))
        s.add(AgentStateRow(agent_id=shift["user_id"], state="talking", at=start + timedelta(hours=4)))
    with db.session() as s:
        day_start = planning.local_midnight(DAY)
        (row,) = adherence.report(s, day_start, day_start + timedelta(days=1), now=start + timedelta(days=1))
        assert row["scheduled_minutes"] == 480 and row["not_ready_minutes"] == 60
        assert row["working_minutes"] == 480 - 30 - 60 and row["away_minutes"] == 30
        assert row["adherence"] == round(390 / 480, 4)
        live = adherence.live(s, start + timedelta(hours=3, minutes=10))
        assert [(r["state"], r["adheres"]) for r in live] == [("not_ready", False)]
    r = client.get(
        "/api/workforce/adherence", params={"first_day": DAY.isoformat()}, headers=auth("supervisor")
    )
    assert r.status_code == 200 and r.json()[0]["scheduled_minutes"] == 480


def test_roster_for_an_unknown_skill_or_a_day_without_history(client: TestClient, auth: Auth) -> None:
    """A roster asked for a skill nobody has, on a day long before any call: a clear answer (the
    agents it could use are none, or the gaps), never a 500 (found by schemathesis)."""
    body = {"first_day": "2000-01-01", "name": "development", "days": 1, "skill": "development"}
    r = client.post("/api/workforce/rosters", json=body, headers=auth("supervisor"))
    assert r.status_code < 500, r.text
