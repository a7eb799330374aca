"""What the planners' setup page relies on, on both databases: shift templates made and edited
(half hours only, versioned), every agent's skills, allowed templates and weekdays off listed and
saved (audited; unknown users and bad weekdays refused), and a roster that honours them: an agent
never planned on their weekday off nor on a template they do not work, nor at all when unplanned."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.store.db import Database
from tests.workforce.test_api import DAY, _add_agents, _uid

Auth = Callable[[str], dict[str, str]]


def test_templates_profiles_and_a_roster_that_honours_them(
    client: TestClient, auth: Auth, db: Database
) -> None:
    sup = auth("supervisor")
    assert client.get("/api/workforce/profiles", headers=auth("agent")).status_code == 403
    defaults = client.get("/api/workforce/templates", headers=sup).json()
    assert len(defaults) == 8  # the default 8-hour shifts of a 24-hour hotline
    new = {"code": "M", "name": "早班", "start_minute": 8 * 60, "minutes": 8 * 60}
    r = client.post("/api/workforce/templates", json=new, headers=sup)
    assert r.status_code == 201, r.text
    tpl = r.json()
    odd = {**new, "code": "X", "start_minute": 8 * 60 + 15}
    assert client.post("/api/workforce/templates", json=odd, headers=sup).status_code == 422
    assert client.post("/api/workforce/templates", json=new, headers=sup).status_code == 409
    changed = {**new, "name": "早班（九点）", "start_minute": 9 * 60, "version": tpl["version"]}
    r = client.put(f"/api/workforce/templates/{tpl['id']}", json=changed, headers=sup)
    assert r.status_code == 200 and r.json()["start_minute"] == 540
    assert client.put(f"/api/workforce/templates/{tpl['id']}", json=changed, headers=sup).status_code == 409

    _add_agents(db, 3)
    agent, off_user = _uid(db, "agent"), _uid(db, "wf0")
    listed = {p["user_id"]: p for p in client.get("/api/workforce/profiles", headers=sup).json()}
    assert listed[agent] == {
        "user_id": agent,
        "name": listed[agent]["name"],
        "role": "agent",
        "skills": [],
        "templates": None,
        "weekdays_off": [],
        "planned": True,
    }
    body = {"skills": ["elderly"], "templates": ["M"], "weekdays_off": [0, 1], "planned": True}
    r = client.put(f"/api/workforce/agents/{agent}/profile", json=body, headers=sup)
    assert r.status_code == 200, r.text
    unplanned = {"skills": [], "templates": None, "weekdays_off": [], "planned": False}
    assert (
        client.put(f"/api/workforce/agents/{off_user}/profile", json=unplanned, headers=sup).status_code
        == 200
    )
    bad = {**body, "weekdays_off": [7]}
    assert client.put(f"/api/workforce/agents/{agent}/profile", json=bad, headers=sup).status_code == 422
    assert client.put("/api/workforce/agents/99999/profile", json=body, headers=sup).status_code == 404
    listed = {p["user_id"]: p for p in client.get("/api/workforce/profiles", headers=sup).json()}
    assert (listed[agent]["skills"], listed[agent]["templates"], listed[agent]["weekdays_off"]) == (
        ["elderly"],
        ["M"],
        [0, 1],
    )
    assert listed[off_user]["planned"] is False
    with db.session() as s:
        entry = s.scalar(
            select(AuditEntry).where(
                AuditEntry.entity == "workforce_agent_profile", AuditEntry.entity_id == str(agent)
            )
        )
        assert entry is not None

    # A week wanting many people 09:00-17:00: the agent works only "M" and never on Mon/Tue (DAY
    # is a Monday); the unplanned one not at all.
    required = [0] * (7 * 48)
    for d in range(7):
        for slot in range(18, 34):
            required[d * 48 + slot] = 6
    r = client.post(
        "/api/workforce/rosters",
        json={"name": "设置后的周排班", "first_day": DAY.isoformat(), "days": 7, "required": required},
        headers=sup,
    )
    assert r.status_code == 201, r.text
    shifts = r.json()["shifts"]
    mine = [s for s in shifts if s["user_id"] == agent]
    assert mine and {s["template"] for s in mine} == {"M"}
    assert not [s for s in mine if s["day"] in (DAY.isoformat(), "2026-03-03")]
    assert not [s for s in shifts if s["user_id"] == off_user]
