"""Leave (请假), on both databases: the request table exhaustively; an agent asks for days or hours,
a supervisor approves or rejects (audited, optimistic version, never their own), overlapping and
malformed requests are refused; approved leave, and only approved leave, keeps the agent out of
the roster generator for those days (or off the shifts its hours overlap), and shows on the roster
with the shifts it clashes with and in the agent's own list, and nobody is moved onto a shift
inside their approved leave; every step is announced on the bus."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.audit.service import Actor
from hotline.bus import Event, get_bus
from hotline.errors import Conflict
from hotline.store.db import Database
from hotline.workforce import leave
from hotline.workforce.states import LEAVE, LeaveAction, LeaveState
from hotline.workforce.topics import LeaveChanged
from tests.workforce.test_api import DAY, _add_agents, _uid

Auth = Callable[[str], dict[str, str]]
MOVES = {
    (LeaveState.pending, LeaveAction.approve): LeaveState.approved,
    (LeaveState.pending, LeaveAction.reject): LeaveState.rejected,
    (LeaveState.pending, LeaveAction.cancel): LeaveState.cancelled,
    (LeaveState.approved, LeaveAction.cancel): LeaveState.cancelled,
}


@pytest.mark.parametrize(("state", "action"), list(itertools.product(LeaveState, LeaveAction)))
def test_every_pair_moves_as_listed_or_is_a_409(state: LeaveState, action: LeaveAction) -> None:
    expected = MOVES.get((state, action))
    if expected is None:
        with pytest.raises(Conflict) as refused:
            LEAVE.next(state, action)
        assert refused.value.status == 409 and refused.value.extra["state"] == state.value
    else:
        assert LEAVE.next(state, action) is expected
    assert set(LEAVE.allowed(state)) == {a for (s, a) in MOVES if s == state}


def _ask(client: TestClient, auth: Auth, who: str, **body: Any) -> Any:
    return client.post("/api/workforce/me/leaves", json=body, headers=auth(who))


def test_ask_decide_cancel_audited_and_announced(client: TestClient, auth: Auth, db: Database) -> None:
    seen: list[Event] = []
    unsubscribe = get_bus().subscribe(LeaveChanged, seen.append)
    try:
        _ask_decide_cancel(client, auth, db)
    finally:
        unsubscribe()
    leave_id = seen[0].data["leave_id"]
    states = [e.data["state"] for e in seen if e.data["leave_id"] == leave_id]
    assert states == ["pending", "approved", "cancelled"]


def _ask_decide_cancel(client: TestClient, auth: Auth, db: Database) -> None:
    days = {"first_day": DAY.isoformat(), "last_day": (DAY + timedelta(days=2)).isoformat()}
    r = _ask(client, auth, "agent", **days, kind="sick", note="发烧")
    assert r.status_code == 201, r.text
    asked = r.json()
    assert asked["state"] == "pending" and asked["user_id"] == _uid(db, "agent")
    # The same days again, or hours inside them, overlap: refused while the first one holds.
    assert _ask(client, auth, "agent", **days).status_code == 409
    one_day = {"first_day": DAY.isoformat(), "last_day": DAY.isoformat()}
    assert _ask(client, auth, "agent", **one_day, start_minute=600, end_minute=720).status_code == 409
    # Malformed: backwards, hours over two days, hours not in half hours, only one end given.
    back = {"first_day": DAY.isoformat(), "last_day": (DAY - timedelta(days=1)).isoformat()}
    assert _ask(client, auth, "agent", **back).status_code == 422
    assert _ask(client, auth, "agent", **days, start_minute=60, end_minute=120).status_code == 422
    assert _ask(client, auth, "agent", **one_day, start_minute=610, end_minute=720).status_code == 422
    assert _ask(client, auth, "agent", **one_day, start_minute=600).status_code == 422
    # Agents do not decide; the supervisor does, with the version they saw.
    url = f"/api/workforce/leaves/{asked['id']}"
    assert client.get("/api/workforce/leaves/pending", headers=auth("agent")).status_code == 403
    pending = client.get("/api/workforce/leaves/pending", headers=auth("supervisor")).json()
    assert [p["id"] for p in pending] == [asked["id"]]
    yes = {"approve": True, "version": asked["version"], "note": "好好休息"}
    assert client.post(f"{url}/decision", json=yes, headers=auth("agent")).status_code == 403
    stale = client.post(f"{url}/decision", json={**yes, "version": 99}, headers=auth("supervisor"))
    assert stale.status_code == 409
    ok = client.post(f"{url}/decision", json=yes, headers=auth("supervisor"))
    assert ok.status_code == 200, ok.text
    assert ok.json()["state"] == "approved" and ok.json()["decision_note"] == "好好休息"
    assert ok.json()["decided_by"] == _uid(db, "supervisor")
    again = client.post(f"{url}/decision", json={"approve": False}, headers=auth("supervisor"))
    assert again.status_code == 409  # decided already
    # The supervisor's own request goes to someone else.
    own = _ask(client, auth, "supervisor", **days).json()
    mine = client.post(f"/api/workforce/leaves/{own['id']}/decision", json=yes, headers=auth("supervisor"))
    assert mine.status_code == 403
    no = client.post(
        f"/api/workforce/leaves/{own['id']}/decision", json={"approve": False}, headers=auth("admin")
    )
    assert no.status_code == 200 and no.json()["state"] == "rejected"
    # An agent sees and calls off only their own; the approved leave is called off.
    listed = client.get(
        "/api/workforce/me/leaves", params={"first_day": DAY.isoformat()}, headers=auth("agent")
    ).json()
    assert [x["id"] for x in listed] == [asked["id"]]
    other = client.post(f"/api/workforce/leaves/{own['id']}/cancel", json={}, headers=auth("agent"))
    assert other.status_code == 403
    off = client.post(f"{url}/cancel", json={"version": ok.json()["version"]}, headers=auth("agent"))
    assert off.status_code == 200 and off.json()["state"] == "cancelled"
    # Called off, the days are free to ask for again.
    assert _ask(client, auth, "agent", **one_day, start_minute=600, end_minute=720).status_code == 201
    with db.session() as s:
        actions = s.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.entity == "workforce_leave", AuditEntry.entity_id == str(asked["id"]))
            .order_by(AuditEntry.id)
        ).all()
    assert actions == ["create", "approve", "cancel"]


def _roster(client: TestClient, auth: Auth, days: int = 7) -> dict[str, Any]:
    required = [0] * (days * 48)
    for d in range(days):
        for slot in range(18, 34):  # 09:00-17:00: more than the people there are
            required[d * 48 + slot] = 9
    body = {"name": "请假测试", "first_day": DAY.isoformat(), "days": days, "required": required}
    r = client.post("/api/workforce/rosters", json=body, headers=auth("supervisor"))
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_only_approved_leave_keeps_the_agent_off_the_roster(
    client: TestClient, auth: Auth, db: Database
) -> None:
    _add_agents(db, 3)
    away, pending_one, hours_one = _uid(db, "wf0"), _uid(db, "wf1"), _uid(db, "wf2")
    sup = auth("supervisor")
    week = {"first_day": DAY.isoformat(), "last_day": (DAY + timedelta(days=4)).isoformat()}
    entered = client.post(
        "/api/workforce/leaves", json={**week, "user_id": away, "kind": "annual"}, headers=sup
    )
    assert entered.status_code == 201 and entered.json()["state"] == "approved"  # a planner's entry
    assert (
        client.post(
            "/api/workforce/leaves", json={**week, "user_id": away}, headers=auth("agent")
        ).status_code
        == 403
    )
    # wf1 asks but nobody decides: still planned. wf2 is away 08:00-12:00 on Monday only.
    with db.session() as s:
        leave.request(s, Actor(pending_one, "wf1"), pending_one, first_day=DAY, last_day=DAY)
        leave.request(
            s,
            Actor(hours_one, "wf2"),
            hours_one,
            first_day=DAY,
            last_day=DAY,
            start_minute=8 * 60,
            end_minute=12 * 60,
            approved=True,
        )
    detail = _roster(client, auth)
    leave_days = {(DAY + timedelta(days=d)).isoformat() for d in range(5)}
    shifts = detail["shifts"]
    assert not [s for s in shifts if s["user_id"] == away and s["day"] in leave_days]
    assert [s for s in shifts if s["user_id"] == away]  # planned on the weekend still
    assert [s for s in shifts if s["user_id"] == pending_one and s["day"] == DAY.isoformat()]
    monday = [s for s in shifts if s["user_id"] == hours_one and s["day"] == DAY.isoformat()]
    # 08:00-12:00 Beijing is 00:00-04:00 UTC: any Monday shift of wf2 avoids it.
    lo, hi = f"{DAY.isoformat()}T00:00", f"{DAY.isoformat()}T04:00"
    assert all(s["ends_at"][:16] <= lo or s["starts_at"][:16] >= hi for s in monday)
    # The roster shows the approved leave (not the pending one), with no clash yet.
    shown = {(lv["user_id"], lv["state"]) for lv in detail["leaves"]}
    assert shown == {(away, "approved"), (hours_one, "approved")}
    assert all(lv["clashes"] == [] for lv in detail["leaves"])
    # Approving wf1's Monday after the roster was made names the clashing shift.
    ask = client.get("/api/workforce/leaves/pending", headers=sup).json()[0]
    ok = client.post(
        f"/api/workforce/leaves/{ask['id']}/decision",
        json={"approve": True, "version": ask["version"]},
        headers=sup,
    )
    assert ok.status_code == 200
    again = client.get(f"/api/workforce/rosters/{detail['roster']['id']}", headers=sup).json()
    clash = next(lv for lv in again["leaves"] if lv["user_id"] == pending_one)
    monday_shift = next(s for s in shifts if s["user_id"] == pending_one and s["day"] == DAY.isoformat())
    assert clash["clashes"] == [monday_shift["id"]]
    # Nobody is put on a shift inside their approved leave: wf0 is away all week.
    onto = {"user_id": away, "template": monday_shift["template"], "version": monday_shift["version"]}
    refused = client.put(f"/api/workforce/shifts/{monday_shift['id']}", json=onto, headers=sup)
    assert refused.status_code == 409 and "请假" in refused.json()["detail_zh"]
    listed = client.get(
        "/api/workforce/leaves",
        params={"first_day": DAY.isoformat(), "days": 7, "state": "approved"},
        headers=sup,
    ).json()
    assert {lv["user_id"] for lv in listed} == {away, hours_one, pending_one}
