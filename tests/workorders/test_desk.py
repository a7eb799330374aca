"""The work-order desk for departments and supervisors (console review 2026-12, §3 and §4):
categories readable by handlers, overview buckets with counts, no reply over a pending extension,
double submits answered as done, merge by number, the phone revealed on request (audited), the
notification bell with per-user read marks, and an Excel export in words, not codes."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.store.db import Database

Auth = Callable[[str], dict[str, str]]
H = "department_handler"


def _create(client: TestClient, auth: Auth, **kw: Any) -> dict[str, Any]:
    body = {"type": "help_request", "title": "申请低保", "content": "家里老人生病，想申请低保补助", **kw}
    resp = client.post("/api/workorders", json=body, headers=auth("agent"))
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def _act(client: TestClient, auth: Auth, role: str, order: dict[str, Any], action: str, **kw: Any) -> Any:
    return client.post(
        f"/api/workorders/{order['id']}/{action}",
        json={"version": order["version"], **kw},
        headers=auth(role),
    )


def _ok(resp: Any) -> dict[str, Any]:
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def _at_department(client: TestClient, auth: Auth, **kw: Any) -> dict[str, Any]:
    return _ok(_act(client, auth, "agent", _create(client, auth, **kw), "dispatch", department_id=1))


def test_handler_reads_category_names(client: TestClient, auth: Auth) -> None:
    parent = client.post(
        "/api/workorders/categories", json={"code": "01", "name": "养老服务"}, headers=auth("admin")
    )
    child = client.post(
        "/api/workorders/categories",
        json={"code": "0101", "name": "居家养老", "parent_id": parent.json()["id"]},
        headers=auth("admin"),
    )
    r = client.get("/api/workorders/categories", headers=auth(H))
    assert r.status_code == 200, r.text
    assert {c["name"] for c in r.json()} == {"养老服务", "居家养老"}
    assert child.json()["id"] in {c["id"] for c in r.json()}


def test_overview_counts_are_the_bucket_filters(client: TestClient, auth: Auth) -> None:
    a = _at_department(client, auth)  # 待签收
    b = _ok(_act(client, auth, H, _at_department(client, auth), "receive"))  # 待答复
    c = _ok(
        _act(
            client,
            auth,
            H,
            _ok(_act(client, auth, H, _at_department(client, auth), "receive")),
            "reply",
            note="已办",
        )
    )
    _create(client, auth)  # 待派单, not the department's
    counts = _ok(client.get("/api/workorders/overview", headers=auth(H)))
    assert counts == {"at_department": 2, "to_receive": 1, "to_reply": 1, "due_soon": 0, "done": 1}

    def ids(role: str, bucket: str) -> list[int]:
        path = "/api/workorders/portal" if role == H else "/api/workorders"
        page = _ok(client.get(path, params={"bucket": bucket}, headers=auth(role)))
        return [o["id"] for o in page["items"]]

    assert (
        ids(H, "to_receive") == [a["id"]] and ids(H, "to_reply") == [b["id"]] and ids(H, "done") == [c["id"]]
    )
    assert sorted(ids(H, "at_department")) == sorted([a["id"], b["id"]])  # the default tab: no closed ones
    _ok(_act(client, auth, H, b, "request-extension", days=3, note="需要现场核实"))
    sup = _ok(client.get("/api/workorders/overview", headers=auth("supervisor")))
    assert set(sup) == {"to_dispatch", "returned", "due_soon", "overdue", "extension", "redo"}
    assert sup["to_dispatch"] == 1 and sup["extension"] == 1 and sup["overdue"] == 0
    assert ids("supervisor", "extension") == [b["id"]]
    bad = client.get("/api/workorders", params={"bucket": "nope"}, headers=auth("supervisor"))
    assert bad.status_code == 422 and bad.json()["detail_zh"] == "工单分组无效"


def test_reply_is_refused_while_an_extension_is_pending(client: TestClient, auth: Auth) -> None:
    o = _ok(_act(client, auth, H, _at_department(client, auth), "receive"))
    o = _ok(_act(client, auth, H, o, "request-extension", days=3, note="需要现场核实"))
    r = _act(client, auth, H, o, "reply", note="已办理")
    assert r.status_code == 409 and "延期申请待审批" in r.json()["detail_zh"]
    r = _act(client, auth, H, o, "return", note="不属于本单位")
    assert r.status_code == 409
    still = _ok(client.get(f"/api/workorders/{o['id']}", headers=auth("supervisor")))
    assert (
        still["extension_pending"]
        and still["close_due_at"] == o["close_due_at"]
        and still["state"] == "received"
    )
    o = _ok(_act(client, auth, "supervisor", still, "refuse-extension", note="时限内可办结"))
    o = _ok(_act(client, auth, H, o, "reply", note="已办理"))
    assert o["state"] == "replied" and o["close_due_at"] == still["close_due_at"]


def test_double_submit_is_already_done_for_the_same_user(client: TestClient, auth: Auth) -> None:
    o = _at_department(client, auth)
    first = _ok(_act(client, auth, H, o, "receive"))
    again = _act(client, auth, H, o, "receive")  # the same click, sent twice
    assert again.status_code == 200, again.text
    assert again.json()["version"] == first["version"] and again.json()["state"] == "received"
    detail = _ok(client.get(f"/api/workorders/{o['id']}", headers=auth("supervisor")))
    assert [e["action"] for e in detail["timeline"]].count("receive") == 1
    # Someone else holding the old version is still told the order changed.
    other = _act(client, auth, "supervisor", o, "supervise", note="加快")
    assert other.status_code == 409


def test_merge_by_order_number(client: TestClient, auth: Auth) -> None:
    target, dup = _create(client, auth), _create(client, auth)
    r = _act(client, auth, "agent", dup, "merge", into_number=target["number"].lower(), note="重复来电")
    assert _ok(r)["state"] == "merged" and r.json()["merged_into_id"] == target["id"]
    missing = _act(client, auth, "agent", _create(client, auth), "merge", into_number="GD20991231-0001")
    assert missing.status_code == 422 and missing.json()["detail_zh"] == "工单 GD20991231-0001 不存在"


def test_handler_reveals_the_phone_on_request_audited(client: TestClient, auth: Auth, db: Database) -> None:
    o = _at_department(client, auth, contact_phone="13812345678", contact_name="王秀英")
    shown = _ok(client.get(f"/api/workorders/portal/{o['id']}", headers=auth(H)))
    assert shown["contact_phone"] == "138****5678"
    r = client.post(f"/api/workorders/portal/{o['id']}/contact", headers=auth(H))
    assert _ok(r)["phones"] == ["13812345678"]
    with db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "workorder.contact_reveal")).one()
        assert entry.entity_id == str(o["id"]) and entry.actor == H and "13812345678" not in str(entry.after)
    secret = _at_department(client, auth, contact_phone="13900002222", confidential=True)
    r = client.post(f"/api/workorders/portal/{secret['id']}/contact", headers=auth(H))
    assert r.status_code == 403 and r.json()["detail_zh"] == "保密工单，不向承办单位显示来电人信息"
    other = _ok(
        _act(
            client,
            auth,
            "agent",
            _create(client, auth, contact_phone="13700003333"),
            "dispatch",
            department_id=2,
        )
    )
    assert client.post(f"/api/workorders/portal/{other['id']}/contact", headers=auth(H)).status_code == 404
    assert client.post(f"/api/workorders/portal/{o['id']}/contact", headers=auth("agent")).status_code == 403


def test_bell_feed_with_read_marks_per_user(client: TestClient, auth: Auth) -> None:
    a = _at_department(client, auth)
    _ok(_act(client, auth, "agent", _create(client, auth), "dispatch", department_id=2))
    _ok(_act(client, auth, "supervisor", a, "supervise", note="请加快办理"))
    feed = _ok(client.get("/api/workorders/inbox", headers=auth(H)))
    assert [(i["kind"], i["number"]) for i in feed["items"]] == [
        ("supervision", a["number"]),
        ("dispatch", a["number"]),
    ]
    assert feed["unread"] == 2 and feed["latest_id"] == feed["items"][0]["id"]
    assert _ok(
        client.post("/api/workorders/inbox/read", json={"ids": [feed["items"][0]["id"]]}, headers=auth(H))
    ) == {"marked": 1}
    feed = _ok(client.get("/api/workorders/inbox", headers=auth(H)))
    assert feed["unread"] == 1 and [i["read"] for i in feed["items"]] == [True, False]
    center = _ok(client.get("/api/workorders/inbox", headers=auth("supervisor")))
    assert center["unread"] == 3  # the center sees every department; the handler's reads are not theirs
    _ok(client.post("/api/workorders/inbox/read", json={}, headers=auth("supervisor")))
    assert _ok(client.get("/api/workorders/inbox", headers=auth("supervisor")))["unread"] == 0
    assert _ok(client.get("/api/workorders/inbox", headers=auth(H)))["unread"] == 1
    assert _ok(client.get("/api/workorders/inbox", headers=auth("agent"))) == {
        "unread": 0,
        "latest_id": None,
        "items": [],
    }


def test_export_uses_labels_not_codes(client: TestClient, auth: Auth) -> None:
    cat = client.post(
        "/api/workorders/categories", json={"code": "02", "name": "社会救助"}, headers=auth("admin")
    )
    o = _at_department(client, auth, type="complaint", urgency="urgent", category_id=cat.json()["id"])
    o = _ok(_act(client, auth, H, _ok(_act(client, auth, H, o, "receive")), "reply", note="已上门核实并办理"))
    _ok(
        client.post(
            f"/api/workorders/{o['id']}/return-visit",
            json={"version": o["version"], "satisfaction": "basically_satisfied"},
            headers=auth("agent"),
        )
    )
    x = client.get("/api/workorders/export.xlsx", headers=auth("supervisor"))
    header, row = list(load_workbook(io.BytesIO(x.content)).worksheets[0].iter_rows(values_only=True))
    cells = dict(zip(header, row, strict=True))
    assert cells["类型"] == "投诉" and cells["紧急程度"] == "紧急" and cells["状态"] == "已办结"
    assert cells["承办单位"] == "养老服务处" and cells["分类"] == "社会救助" and cells["渠道"] == "电话"
    assert (
        cells["答复内容"] == "已上门核实并办理"
        and cells["满意度"] == "基本满意"
        and cells["是否超期"] == "否"
    )
    assert cells["办结时间"] and cells["当前环节时限"] is None
