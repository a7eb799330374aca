"""Sampling plans on both databases: each rule picks its calls and says why, the random top-up
is N per agent per ISO week and the same on a re-run, which adds nothing; the work queue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from hotline.audit.service import Actor
from hotline.quality.models import AudioCheck
from hotline.quality.sampling import flag_call, sampling_job
from hotline.store.db import Database
from tests.quality.helpers import add_call
from tests.quality.test_scoring import user_id

Auth = Callable[[str], dict[str, str]]
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # ISO week 2026-W48


def seed_calls(db: Database) -> int:
    agent = user_id(db, "agent")
    at = MONDAY
    add_call(db, "abandoned-long", caller="13800000010", started=at, outcome="abandoned", wait=95, talk=None)
    add_call(db, "abandoned-short", caller="13800000011", started=at, outcome="abandoned", wait=10, talk=None)
    add_call(db, "long", agent_id=agent, caller="13800000012", started=at, talk=1300)
    add_call(db, "emergency", caller="13800000013", started=at, outcome="emergency")
    add_call(db, "first", agent_id=agent, caller="13800000014", started=at, talk=30)
    add_call(db, "again", agent_id=agent, caller="13800000014", started=at + timedelta(hours=50), talk=30)
    add_call(db, "flagged", agent_id=agent, caller="13800000015", started=at, talk=30)
    add_call(db, "unsatisfied", agent_id=agent, caller="13800000016", started=at, talk=30)
    for i in range(6):
        add_call(
            db, f"plain-{i}", agent_id=agent, caller=f"1390000000{i}", started=at + timedelta(days=1), talk=40
        )
    with db.session() as s:
        s.add(
            AudioCheck(
                recording_id=1, call_uuid="flagged", status="ok", metrics={}, segments={}, flags=["talk_over"]
            )
        )
        flag_call(s, Actor(None, "satisfaction"), "unsatisfied", "unsatisfied", "satisfaction")
        flag_call(s, Actor(None, "satisfaction"), "unsatisfied", "unsatisfied", "satisfaction")  # idempotent
    return agent


RULES = {
    "abandon_wait_over": 60,
    "long_call_over": 1200,
    "emergency": True,
    "repeat_within_hours": 72,
    "auto_flags": ["talk_over"],
    "call_flags": ["unsatisfied"],
}


def test_rules_pick_their_calls(client: TestClient, auth: Auth, db: Database) -> None:
    seed_calls(db)
    r = client.post(
        "/api/quality/plans", json={"name": "规则抽检", "rules": RULES}, headers=auth("qa_inspector")
    )
    assert r.status_code == 201, r.text
    window = {
        "since": (MONDAY - timedelta(days=1)).isoformat(),
        "until": (MONDAY + timedelta(days=7)).isoformat(),
    }
    r = client.post(f"/api/quality/plans/{r.json()['id']}/run", json=window, headers=auth("qa_inspector"))
    assert r.status_code == 200, r.text
    picked = {t["call_id"]: t["reasons"] for t in r.json()["tasks"]}
    assert picked == {
        "abandoned-long": ["abandoned_wait"],
        "long": ["long_call"],
        "emergency": ["emergency"],
        "first": ["repeat_call"],  # the number called again 50 h later
        "flagged": ["auto:talk_over"],
        "unsatisfied": ["flag:unsatisfied"],
    }
    assert {t["week"] for t in r.json()["tasks"]} == {"2026-W48"}
    bad = client.post(
        "/api/quality/plans",
        json={"name": "x", "rules": {"auto_flags": ["nope"]}},
        headers=auth("qa_inspector"),
    )
    assert bad.status_code == 422


def test_random_per_agent_week_is_stable(client: TestClient, auth: Auth, db: Database) -> None:
    agent = seed_calls(db)
    plan = client.post(
        "/api/quality/plans",
        json={"name": "每周随机", "rules": {"random_per_agent_week": 3}},
        headers=auth("qa_inspector"),
    ).json()
    assert sampling_job(db, MONDAY + timedelta(days=6)) == 3
    assert sampling_job(db, MONDAY + timedelta(days=6)) == 0  # idempotent
    queue = client.get("/api/quality/tasks", headers=auth("qa_inspector")).json()
    assert (
        len(queue) == 3
        and {t["agent_id"] for t in queue} == {agent}
        and {t["plan_id"] for t in queue} == {plan["id"]}
    )
    assert all(t["reasons"] == ["random"] for t in queue)
    # A second plan with the same rule draws with its own seed; the first plan's picks never change.
    window = {
        "since": (MONDAY - timedelta(days=1)).isoformat(),
        "until": (MONDAY + timedelta(days=7)).isoformat(),
    }
    again = client.post(
        f"/api/quality/plans/{plan['id']}/run", json=window, headers=auth("qa_inspector")
    ).json()
    assert again["created"] == 0
    assert client.get("/api/quality/tasks", headers=auth("agent")).status_code == 403
