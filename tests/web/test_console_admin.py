"""The administrator's console: validation errors name the field and the rule in Chinese, and the
audit log filters by time, labels actions in Chinese and exports (formulas escaped)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from hotline.audit.service import Actor, record
from hotline.store.db import Database

H = Callable[[str], dict[str, str]]


def test_validation_error_names_fields_and_rules_in_chinese(client: TestClient, auth: H) -> None:
    r = client.post(
        "/api/users", json={"username": "", "password": "abc", "role": "agent"}, headers=auth("admin")
    )
    assert r.status_code == 422
    detail = r.json()["detail_zh"]
    assert "body." not in detail, detail
    assert "用户名：至少 2 个字符" in detail and "姓名：必填" in detail and "密码：至少 8 个字符" in detail, (
        detail
    )


def test_audit_time_range_labels_and_export(client: TestClient, auth: H, db: Database) -> None:
    old = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
    with db.session() as s:
        entry = record(s, Actor(None, '=HYPERLINK("x")', None), "workorder.approve_extension", "workorder", 7)
        entry.at = old
        record(s, Actor(None, "admin", None), "login", "user", 1)
    admin = auth("admin")
    until = (old + timedelta(days=1)).isoformat()
    items = client.get("/api/audit", params={"since": old.isoformat(), "until": until}, headers=admin).json()[
        "items"
    ]
    assert [(i["action_zh"], i["entity_zh"]) for i in items] == [("工单·批准延期", "工单")]
    recent = client.get(
        "/api/audit", params={"since": (old + timedelta(days=2)).isoformat()}, headers=admin
    ).json()
    assert "登录" in [i["action_zh"] for i in recent["items"]]
    assert "工单·批准延期" not in [i["action_zh"] for i in recent["items"]]

    r = client.get("/api/audit/export.csv", params={"since": old.isoformat(), "until": until}, headers=admin)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["时间", "操作人", "动作", "对象"]
    assert rows[1][0] == "2026-01-05 10:00:00"  # Beijing time
    assert rows[1][1] == '\'=HYPERLINK("x")' and rows[1][2] == "工单·批准延期"
    r = client.get("/api/audit/export.xlsx", params={"since": old.isoformat(), "until": until}, headers=admin)
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None and ws.cell(2, 2).value == '\'=HYPERLINK("x")'
    assert client.get("/api/audit/export.csv", headers=auth("agent")).status_code == 403
    # Taking a copy of the log is itself in the log.
    assert any(i["action"] == "export" for i in client.get("/api/audit", headers=admin).json()["items"])


def test_business_hours_preview_of_an_unsaved_schedule(client: TestClient, auth: H) -> None:
    sup = auth("supervisor")
    created = client.post("/api/acd/hours", json={"name": "main", "schedule": {}}, headers=sup).json()
    draft = {
        **created["schedule"],
        "closed_dates": ["2026-09-29"],
        "windows": {"workday": [["09:00", "17:00"]]},
    }
    body = {"schedule": draft, "start": "2026-09-28", "days": 3}
    r = client.post("/api/acd/hours/preview", json=body, headers=auth("agent"))
    assert r.status_code == 200, r.text
    days = {d["date"]: d for d in r.json()["days"]}
    assert days["2026-09-28"]["windows"] == [["09:00", "17:00"]]
    assert days["2026-09-29"]["reason"] == "closed_date"
    # Nothing was stored: the saved schedule still has no closed date.
    saved = client.get(
        f"/api/acd/hours/{created['id']}/calendar", params={"start": "2026-09-29", "days": 1}, headers=sup
    )
    assert saved.json()["days"][0]["reason"] != "closed_date"
    bad = {"schedule": {**draft, "windows": {"workday": [["18:00", "08:00"]]}}}
    assert client.post("/api/acd/hours/preview", json=bad, headers=sup).status_code == 422


def test_work_order_configuration_and_retention_are_readable(client: TestClient, auth: H) -> None:
    admin = auth("admin")
    policy = {"type": "complaint", "urgency": "*", "receive_days": 1, "reply_days": 5, "close_days": 10}
    assert client.put("/api/workorders/policies", json=policy, headers=admin).status_code == 200
    rows = client.get("/api/workorders/policies", headers=admin).json()
    assert {**policy, "id": rows[0]["id"]} in rows
    day = {"day": "2026-12-31", "workday": False, "note": "跨年调休"}
    assert client.put("/api/workorders/calendar", json=day, headers=admin).status_code == 200
    assert day in client.get("/api/workorders/calendar", headers=admin).json()
    assert client.get("/api/workorders/calendar", headers=auth("supervisor")).status_code == 403
    r = client.get("/api/settings/retention", headers=admin)
    assert r.json() == {"recording_retention_days": 0, "source": "settings"}
    assert client.get("/api/settings/retention", headers=auth("agent")).status_code == 403
