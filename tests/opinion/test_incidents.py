"""The opinion incident workflow: opened from an alert, worked found → verified → reported →
responded → closed with deadlines, linked, audited; every illegal step a 409; and the rule
grammar, table-driven."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.errors import Invalid
from hotline.opinion import process, rules
from hotline.opinion.states import TABLE, IncidentAction, IncidentState, deadline
from hotline.store.db import Database
from tests.opinion.pages import STORY
from tests.opinion.test_processing import add_items, negative_if_abuse


def test_every_state_and_action_pair() -> None:
    legal = {(s, a) for (s, a), _ in TABLE}
    for state in IncidentState:
        for action in IncidentAction:
            assert TABLE.can(state, action) == ((state, action) in legal)
    assert TABLE.allowed(IncidentState.closed) == []
    assert deadline(IncidentState.reported, "major") == timedelta(hours=6)
    assert deadline(IncidentState.closed, "normal") is None


def test_alert_to_closed_incident(
    client: TestClient, auth: Callable[[str], dict[str, str]], db: Database
) -> None:
    add_items(
        db, [("养老院护工虐待老人被曝光", STORY)] + [(f"转发{i}", f"转发{i}：{STORY}") for i in range(3)]
    )
    process.process_pending(db, classify=negative_if_abuse)
    bell = client.get("/api/opinion/alerts?open_only=true", headers=auth("supervisor")).json()
    assert bell["open"] == 1
    alert = bell["alerts"][0]
    h = auth("supervisor")
    assert (
        client.post(
            "/api/opinion/incidents", json={"alert_id": alert["id"]}, headers=auth("agent")
        ).status_code
        == 403
    )
    made = client.post("/api/opinion/incidents", json={"alert_id": alert["id"], "level": "major"}, headers=h)
    assert made.status_code == 201, made.text
    inc = made.json()
    assert (inc["state"], inc["title"], inc["allowed"]) == ("found", alert["title"], ["verify", "dismiss"])
    assert inc["links"] == [{"kind": "item", "ref_id": alert["item_id"]}]
    assert client.get("/api/opinion/alerts?open_only=true", headers=h).json()["open"] == 0
    url = f"/api/opinion/incidents/{inc['id']}"
    refused = client.post(f"{url}/close", json={"version": inc["version"]}, headers=h)
    assert refused.status_code == 409
    stale = client.post(f"{url}/verify", json={"version": inc["version"] + 5}, headers=h)
    assert stale.status_code == 409
    inc = client.post(f"{url}/verify", json={"version": inc["version"], "note": "视频属实"}, headers=h).json()
    inc = client.post(f"{url}/report", json={"version": inc["version"]}, headers=h).json()
    assert inc["state"] == "reported"
    no_text = client.post(f"{url}/respond", json={"version": inc["version"]}, headers=h)
    assert no_text.status_code == 422
    linked = client.post(f"{url}/links", json={"kind": "workorder", "ref_id": 7}, headers=h).json()
    assert {"kind": "workorder", "ref_id": 7} in linked["links"]
    body = {
        "version": linked["version"],
        "response": "区民政局已成立调查组，涉事护工已停职。",
        "responded_by": "区民政局",
    }
    inc = client.post(f"{url}/respond", json=body, headers=h).json()
    assert (inc["state"], inc["responded_by"]) == ("responded", "区民政局")
    inc = client.post(f"{url}/close", json={"version": inc["version"]}, headers=auth("analyst")).json()
    assert inc["state"] == "closed" and inc["closed_at"] and inc["due_at"] is None
    assert [e["action"] for e in inc["timeline"]] == ["open", "verify", "report", "link", "respond", "close"]
    listed = client.get("/api/opinion/incidents?state=closed", headers=auth("analyst")).json()
    assert [i["id"] for i in listed] == [inc["id"]]
    with db.session() as s:
        actions = list(
            s.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.entity == "opinion_incident")
                .order_by(AuditEntry.id)
            )
        )
    assert actions == [
        "opinion.incident_open",
        "opinion.incident_verify",
        "opinion.incident_report",
        "opinion.incident_link",
        "opinion.incident_respond",
        "opinion.incident_close",
    ]


def test_dismiss_needs_a_reason(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    h = auth("analyst")
    inc = client.post("/api/opinion/incidents", json={"title": "网传某福利院儿童走失"}, headers=h).json()
    url = f"/api/opinion/incidents/{inc['id']}/dismiss"
    assert client.post(url, json={"version": inc["version"]}, headers=h).status_code == 422
    done = client.post(url, json={"version": inc["version"], "note": "经核实为谣言"}, headers=h).json()
    assert done["state"] == "closed"
    assert client.post("/api/opinion/incidents", json={}, headers=h).status_code == 422


@pytest.mark.parametrize(
    ("expr", "text", "matched"),
    [
        ("养老院 虐待", "养老院发生虐待", True),
        ("养老院 虐待", "养老院开展活动", False),
        ("养老院 OR 敬老院", "敬老院", True),
        ("(养老院 OR 敬老院) AND NOT 演习", "敬老院消防演习", False),
        ("养老院 -演习", "养老院演习", False),
        ("养老院 且 虐待 或 福利院", "福利院", True),  # AND binds tighter than OR
        ("非 演习", "一切正常", True),
        ('"投诉 无果"', "家属投诉 无果", True),
        ("ＡＢＣ", "abc公司", True),  # full-width and case folded
        ("东城区 (幸福养老院 OR 夕阳红)", "东城区夕阳红护理院", True),
    ],
)
def test_rule_grammar(expr: str, text: str, matched: bool) -> None:
    assert rules.evaluate(rules.compile_rule(expr), text).matched is matched


@pytest.mark.parametrize(
    ("expr", "position"), [("", 1), ("(a OR b", 8), ("a AND", 6), ("a )", 3), ('"abc', 1)]
)
def test_rule_errors_name_the_position(expr: str, position: int) -> None:
    with pytest.raises(Invalid) as err:
        rules.compile_rule(expr)
    assert err.value.extra["position"] == position
