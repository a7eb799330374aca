"""Schedule changes reach the agent's own console socket at once (the workspace's 我的班次 reloads
on them, not on its ten-minute timer): a roster published with a shift of theirs, a swap decided
and the shift it moved, their leave asked and decided; an agent without a part in the change
gets none of it, and the visibility rule holds for supervisors too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from hotline.bus import Event
from hotline.people.permissions import Role
from hotline.store.db import Database
from hotline.web.auth import Principal
from hotline.web.live import visible
from hotline.workforce.topics import LeaveChanged, RosterPublished, ShiftChanged, SwapDecided
from tests.workforce.test_api import DAY, _add_agents, _uid

Auth = Callable[[str], dict[str, str]]


def _next(sock: Any, prefix: str) -> dict[str, Any]:
    while not (msg := sock.receive_json())["type"].startswith(prefix):
        pass
    return dict(msg)


def test_schedule_events_reach_only_the_agents_they_touch() -> None:
    agent = Principal(3, "agent", "座席", Role.agent, None, frozenset({"calls.control"}))
    other = Principal(4, "agent2", "座席2", Role.agent, None, frozenset({"calls.control"}))
    lead = Principal(2, "sup", "班长", Role.supervisor, None, frozenset({"calls.control", "calls.supervise"}))
    published = Event(
        RosterPublished.TOPIC, {"roster_id": 1, "first_day": "2026-03-02", "days": 7, "user_ids": [2, 3]}
    )
    moved = Event(ShiftChanged.TOPIC, {"shift_id": 9, "user_id": 4, "previous_user_id": 3})
    swap = Event(SwapDecided.TOPIC, {"swap_id": 5, "state": "refused", "from_user_id": 3, "to_user_id": 4})
    leave = Event(LeaveChanged.TOPIC, {"leave_id": 1, "user_id": 2, "state": "approved"})
    assert visible(published, agent) and visible(published, lead) and not visible(published, other)
    assert visible(moved, agent) and visible(moved, other) and not visible(moved, lead)
    assert visible(swap, agent) and visible(swap, other) and not visible(swap, lead)
    assert visible(leave, lead) and not visible(leave, agent)


def test_roster_swap_and_leave_reach_the_agents_socket(client: TestClient, auth: Auth, db: Database) -> None:
    colleagues = _add_agents(db, 2)  # with the seeded agent and supervisor: 4 plannable people
    agent_id = _uid(db, "agent")
    required = [0] * (7 * 48)
    for d in range(7):
        for slot in range(18, 34):
            required[d * 48 + slot] = 2
    body = {"name": "实时刷新", "first_day": DAY.isoformat(), "days": 7, "required": required}
    sup = auth("supervisor")
    detail = client.post("/api/workforce/rosters", json=body, headers=sup).json()
    roster = detail["roster"]
    mine = [s for s in detail["shifts"] if s["user_id"] == agent_id]
    assert mine, "everyone is planned: 2 wanted all week, 4 people at most 5 days each"
    with client.websocket_connect("/api/calls/ws?token=token-agent&kpis=0") as sock:
        assert sock.receive_json()["type"] == "snapshot"
        r = client.post(
            f"/api/workforce/rosters/{roster['id']}/publish", json={"version": roster["version"]}, headers=sup
        )
        assert r.status_code == 200
        got = _next(sock, "workforce.")
        assert got["type"] == "workforce.roster_published" and agent_id in got["data"]["user_ids"]
        # A swap to a colleague free that day, approved: the moved shift and the decision.
        people = {s["user_id"] for s in detail["shifts"]} | set(colleagues)
        shift, colleague = next(
            (s, c)
            for s in mine
            for c in sorted(people - {agent_id})
            if not any(x["user_id"] == c and x["day"] == s["day"] for x in detail["shifts"])
        )
        sw = client.post(
            "/api/workforce/swaps",
            json={"shift_id": shift["id"], "to_user_id": colleague},
            headers=auth("agent"),
        ).json()
        ok = client.post(f"/api/workforce/swaps/{sw['id']}/decision", json={"approve": True}, headers=sup)
        assert ok.status_code == 200
        assert [_next(sock, "workforce.")["type"] for _ in range(2)] == [
            "workforce.shift_changed",
            "workforce.swap_decided",
        ]
        # The agent's own leave, asked and approved.
        asked = client.post(
            "/api/workforce/me/leaves",
            json={"first_day": DAY.isoformat(), "last_day": DAY.isoformat()},
            headers=auth("agent"),
        ).json()
        client.post(f"/api/workforce/leaves/{asked['id']}/decision", json={"approve": True}, headers=sup)
        states = [_next(sock, "workforce.")["data"]["state"] for _ in range(2)]
        assert states == ["pending", "approved"]
