"""通知设置 over HTTP: a handler edits their own mail/SMS preferences (off by default), an
administrator edits them for a user, roles without a bell are told so; bad input gets a Chinese
message; the audit log keeps the change with the addresses masked; operators list and retry
deliveries."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.channels import notify_out
from hotline.channels.settings import ChannelSettings
from hotline.people.models import User
from hotline.store.db import Database
from tests.workorders.notifyrig import dispatched

Auth = Callable[[str], dict[str, str]]
GOOD = {"email": "handler@dept.example.gov.cn", "mobile": "139 0000 6666", "mail": ["dispatch", "warning"]}


def _user_id(db: Database, name: str) -> int:
    with db.session() as s:
        uid = s.scalar(select(User.id).where(User.username == name))
    assert uid is not None
    return int(uid)


def test_a_handler_turns_mail_on_for_themselves(client: TestClient, auth: Auth, db: Database) -> None:
    mine = client.get("/api/workorders/notify/settings", headers=auth("department_handler")).json()
    assert mine["has_feed"] is True and mine["mail"] == [] and mine["sms"] == [] and mine["email"] is None
    assert [e["key"] for e in mine["events"]][:1] == ["dispatch"] and mine["events"][0]["label"] == "派单"
    r = client.put("/api/workorders/notify/settings", json=GOOD, headers=auth("department_handler"))
    assert r.status_code == 200, r.text
    assert r.json()["mail"] == ["dispatch", "warning"] and r.json()["mobile"] == "13900006666"
    h = auth("department_handler")
    assert client.get("/api/workorders/notify/settings", headers=h).json() == r.json()
    with db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "workorder_notify.settings")).one()
    assert entry.after is not None and entry.after["mobile"] == "139****6666"
    assert entry.after["email"] == "h***@dept.example.gov.cn" and entry.before["mail"] == []  # type: ignore[index]


def test_mistakes_are_explained_in_chinese(client: TestClient, auth: Auth) -> None:
    h = auth("department_handler")
    cases = [
        ({"mail": ["dispatch"]}, "开启邮件通知需填写邮箱地址"),
        ({"sms": ["warning"]}, "开启短信通知需填写手机号码"),
        ({"email": "not-an-address", "mail": ["dispatch"]}, "邮箱地址格式不正确"),
        ({"mobile": "010-12345678", "sms": ["dispatch"]}, "手机号应为 11 位大陆手机号码"),
        ({"quiet_start": "22:00"}, "免打扰时段需填写不同的开始和结束时间"),
        ({"mail": ["everything"], "email": "a@b.cn"}, "未知的通知类型：everything"),
        # 退单 is the center's business: a department is not offered it.
        ({"mail": ["returned"], "email": "a@b.cn"}, "未知的通知类型：returned"),
    ]
    for body, zh in cases:
        r = client.put("/api/workorders/notify/settings", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["detail_zh"] == zh


def test_the_center_is_offered_returns_and_departments_are_not(client: TestClient, auth: Auth) -> None:
    def keys(role: str) -> list[str]:
        events = client.get("/api/workorders/notify/settings", headers=auth(role)).json()["events"]
        return [e["key"] for e in events]

    assert keys("supervisor") == ["dispatch", "reopened", "returned", "supervision", "warning", "escalation"]
    assert keys("department_handler") == ["dispatch", "reopened", "supervision", "warning", "escalation"]


def test_roles_without_a_bell_get_no_settings(client: TestClient, auth: Auth) -> None:
    mine = client.get("/api/workorders/notify/settings", headers=auth("agent")).json()
    assert mine["has_feed"] is False
    r = client.put("/api/workorders/notify/settings", json=GOOD, headers=auth("agent"))
    assert r.status_code == 409 and "不接收工单通知" in r.json()["detail_zh"]


def test_an_administrator_sets_them_for_a_user(client: TestClient, auth: Auth, db: Database) -> None:
    uid = _user_id(db, "department_handler")
    r = client.put(f"/api/workorders/notify/settings/{uid}", json=GOOD, headers=auth("admin"))
    assert r.status_code == 200 and r.json()["user_id"] == uid
    mine = client.get("/api/workorders/notify/settings", headers=auth("department_handler")).json()
    assert mine["mail"] == ["dispatch", "warning"]
    assert client.get(f"/api/workorders/notify/settings/{uid}", headers=auth("supervisor")).status_code == 403
    with db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "workorder_notify.settings")).one()
    assert entry.actor == "admin" and entry.entity_id == str(uid)


def test_operators_list_and_retry_deliveries(client: TestClient, auth: Auth, db: Database) -> None:
    uid = _user_id(db, "department_handler")
    client.put(f"/api/workorders/notify/settings/{uid}", json=GOOD, headers=auth("admin"))
    _, number = dispatched(db)
    cfg = ChannelSettings(smtp_relay_port=1, reply_max_attempts=1)  # nothing listens: dead at once
    notify_out.run(db, settings=cfg)
    listed = client.get("/api/workorders/notify/deliveries?status=dead", headers=auth("supervisor")).json()
    assert len(listed) == 1
    item = listed[0]
    assert (
        client.get(f"/api/workorders/notify/deliveries?before={item['id']}", headers=auth("admin")).json()
        == []
    )
    assert item["number"] == number and item["kind"] == "dispatch"
    assert item["recipient"] == "h***@dept.example.gov.cn"
    url = f"/api/workorders/notify/deliveries/{item['delivery_id']}/retry"
    r = client.post(url, headers=auth("admin"))
    assert r.status_code == 200 and r.json()["status"] == "queued"
    assert client.post(url, headers=auth("admin")).status_code == 409
    listing = client.get("/api/workorders/notify/deliveries", headers=auth("department_handler"))
    assert listing.status_code == 403
