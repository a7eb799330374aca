"""The HTTP API: create, filter, search, actions with optimistic locking, the department portal's
confidentiality, saved views, Excel export masking, bulk dispatch and return visits."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

Auth = Callable[[str], dict[str, str]]


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


def test_lifecycle_over_http(client: TestClient, auth: Auth) -> None:
    o = _create(client, auth, contact_phone="13812345678", contact_name="王秀英", confidential=True)
    assert o["state"] == "accepted" and o["number"].startswith("GD")
    r = _act(client, auth, "agent", o, "dispatch", department_id=1)
    assert r.status_code == 200, r.text
    o = r.json()
    # Stale version: the client still holds the old one.
    stale = client.post(
        f"/api/workorders/{o['id']}/receive", json={"version": 1}, headers=auth("department_handler")
    )
    assert stale.status_code == 409 and "version" in stale.json()["detail"]
    # Illegal transition: bilingual problem.
    bad = _act(client, auth, "agent", o, "resolve-on-call", note="x")
    assert bad.status_code == 409 and bad.json()["detail_zh"]
    # The department portal sees the order without the confidential caller.
    portal = client.get("/api/workorders/portal", headers=auth("department_handler")).json()["items"]
    assert [x["id"] for x in portal] == [o["id"]]
    assert portal[0]["contact_phone"] is None and portal[0]["contact_name"] is None
    assert client.get("/api/workorders", headers=auth("department_handler")).status_code == 403
    kinds = [
        n["kind"]
        for n in client.get("/api/workorders/portal/notifications", headers=auth("department_handler")).json()
    ]
    assert kinds == ["dispatch"]
    o = _act(client, auth, "department_handler", o, "receive").json()
    o = _act(client, auth, "department_handler", o, "reply", note="已受理低保申请").json()
    assert o["state"] == "replied"
    visits = client.get("/api/workorders/return-visits", headers=auth("agent")).json()
    assert [v["workorder_id"] for v in visits] == [o["id"]]
    r = client.post(
        f"/api/workorders/{o['id']}/return-visit",
        json={"version": o["version"], "satisfaction": "satisfied"},
        headers=auth("agent"),
    )
    assert r.status_code == 200 and r.json()["state"] == "closed"
    detail = client.get(f"/api/workorders/{o['id']}", headers=auth("supervisor")).json()
    actions = [e["action"] for e in detail["timeline"]]
    assert actions == ["create", "accept", "dispatch", "receive", "reply", "start_return_visit", "close"]
    assert detail["contact_phone"] == "13812345678"  # supervisor holds pii.read


def test_filters_search_views_export(client: TestClient, auth: Auth) -> None:
    a = _create(client, auth, contact_phone="13900001111")
    b = _create(client, auth, title="养老院", content="咨询养老院床位和收费标准", type="inquiry")
    _act(client, auth, "agent", b, "dispatch", department_id=2)
    h = auth("agent")
    ids = lambda q: [x["id"] for x in client.get("/api/workorders", params=q, headers=h).json()["items"]]  # noqa: E731
    assert ids({"q": "低保"}) == [a["id"]]
    assert ids({"q": "养老院 床位"}) == [b["id"]]
    assert ids({"state": "dispatched"}) == [b["id"]]
    assert ids({"department_id": 2, "type": "inquiry"}) == [b["id"]]
    assert ids({"overdue": True}) == []
    assert client.get("/api/workorders", params={"state": "nonsense"}, headers=h).status_code == 422
    v = client.post(
        "/api/workorders/views", json={"name": "我的低保", "filters": {"q": "低保"}}, headers=h
    ).json()
    assert ids({"view": v["id"]}) == [a["id"]]
    x = client.get("/api/workorders/export.xlsx", headers=auth("analyst"))
    assert x.status_code == 200
    rows = list(load_workbook(io.BytesIO(x.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "工单编号" and len(rows) == 3
    phones = {r[7] for r in rows[1:]}
    assert "139****1111" in phones  # analyst lacks pii.read: masked in the export too


def test_bulk_dispatch_is_all_or_nothing(client: TestClient, auth: Auth) -> None:
    a, b = _create(client, auth), _create(client, auth, content="残疾人两项补贴没有到账")
    body = {
        "department_id": 1,
        "items": [{"id": a["id"], "version": a["version"]}, {"id": b["id"], "version": 1}],
    }
    assert client.post("/api/workorders/bulk-dispatch", json=body, headers=auth("agent")).status_code == 409
    assert client.get(f"/api/workorders/{a['id']}", headers=auth("agent")).json()["state"] == "accepted"
    body["items"][1]["version"] = b["version"]  # type: ignore[index]
    r = client.post("/api/workorders/bulk-dispatch", json=body, headers=auth("agent"))
    assert r.status_code == 200 and {x["state"] for x in r.json()} == {"dispatched"}


def test_created_event_names_the_calls_after_commit(client: TestClient, auth: Auth) -> None:
    from hotline.bus import get_bus

    seen: list[dict[str, Any]] = []
    unsubscribe = get_bus().subscribe("workorder.created", lambda e: seen.append(dict(e.data)))
    try:
        o = _create(client, auth, call_ids=["call-abc"])
        assert [(e["id"], e["call_ids"]) for e in seen] == [(o["id"], ["call-abc"])]
        bad = client.post(
            "/api/workorders", json={"type": "nope", "title": "x", "content": "y"}, headers=auth("agent")
        )
        assert bad.status_code == 422 and len(seen) == 1  # nothing announced for a refused order
    finally:
        unsubscribe()


def test_odd_filters_are_clear_errors_not_500(
    client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    """Found by the schema fuzzer: a lone comma as the state list, and a date with no UTC equivalent."""
    sup = auth("supervisor")
    assert client.get("/api/workorders/export.xlsx?state=%2C", headers=sup).status_code == 200
    r = client.get("/api/workorders?created_from=0001-01-01T00:00:00%2B00:01", headers=sup)
    assert r.status_code == 422 and r.json()["detail_zh"] == "日期超出范围"
