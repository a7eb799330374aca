"""Callers over the API: create, look up by any number, optimistic locking, audit, masking."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hotline.audit.models import AuditEntry
from hotline.audit.service import Actor
from hotline.people.permissions import ROLE_PERMISSIONS, Role
from hotline.people.schemas import CallerIn
from hotline.people.service import create_caller
from hotline.store.db import Database

Auth = Callable[[str], dict[str, str]]
CALLER = {
    "name": "王秀英",
    "id_number": "110105194501011234",
    "address": "南湖区和平路12号3单元",
    "district": "南湖区",
    "phones": [{"number": "+86 138-1234-5678", "label": "手机"}, {"number": "0571-8000 0001"}],
    "care_profile": {"living_alone": True, "age": 81, "priority_level": 2},
    "emergency_contacts": [{"name": "王建国", "relation": "儿子", "phone": "13900001111"}],
}


def _create(client: TestClient, auth: Auth) -> dict[str, object]:
    resp = client.post("/api/callers", json=CALLER, headers=auth("agent"))
    assert resp.status_code == 201, resp.text
    body: dict[str, object] = resp.json()
    return body


def test_create_and_lookup_by_any_number(client: TestClient, auth: Auth) -> None:
    created = _create(client, auth)
    assert [p["number"] for p in created["phones"]] == ["13812345678", "057180000001"]  # type: ignore[attr-defined]
    for number in ("13812345678", "+8613812345678", "0571 8000 0001"):
        found = client.get("/api/callers/lookup", params={"phone": number}, headers=auth("agent")).json()
        assert [c["id"] for c in found] == [created["id"]]
    assert client.get("/api/callers/lookup?phone=13000000000", headers=auth("agent")).json() == []


def test_stale_update_is_409(client: TestClient, auth: Auth) -> None:
    created = _create(client, auth)
    url = f"/api/callers/{created['id']}"
    first = client.put(
        url, json={**CALLER, "notes": "a", "version": created["version"]}, headers=auth("agent")
    )
    assert first.status_code == 200
    assert first.json()["version"] == created["version"] + 1  # type: ignore[operator]
    stale = client.put(
        url, json={**CALLER, "notes": "b", "version": created["version"]}, headers=auth("agent")
    )
    assert stale.status_code == 409
    assert stale.json()["current_version"] == first.json()["version"]


def test_child_only_change_bumps_version(client: TestClient, auth: Auth) -> None:
    created = _create(client, auth)
    body = {**CALLER, "phones": [{"number": "13700000000"}], "version": created["version"]}
    resp = client.put(f"/api/callers/{created['id']}", json=body, headers=auth("agent"))
    assert resp.json()["version"] == created["version"] + 1  # type: ignore[operator]


def test_write_and_audit_share_a_transaction(db: Database) -> None:
    with db.session() as s:
        before = s.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(RuntimeError), db.session() as s:
        create_caller(s, Actor(None, "t"), CallerIn.model_validate(CALLER))
        raise RuntimeError("crash after the write, before commit")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == before
    with db.session() as s:
        caller = create_caller(s, Actor(7, "someone"), CallerIn.model_validate(CALLER))
    with db.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity == "caller")).one()
        assert entry.entity_id == str(caller.id)
        assert entry.actor == "someone" and entry.before is None
        assert entry.after is not None and entry.after["phones"] == ["13812345678", "057180000001"]


def test_pagination_and_sorting(client: TestClient, auth: Auth) -> None:
    for i in range(7):
        client.post("/api/callers", json={"name": f"测试{i}", "phones": []}, headers=auth("agent"))
    seen: list[str] = []
    url = "/api/callers?limit=3&sort=name"
    while url:
        page = client.get(url, headers=auth("agent")).json()
        seen += [c["name"] for c in page["items"]]
        url = f"/api/callers?limit=3&sort=name&cursor={page['next_cursor']}" if page["next_cursor"] else ""
    assert seen == sorted(seen) and len(seen) == 7
    desc = client.get("/api/callers?limit=50&sort=-name", headers=auth("agent")).json()["items"]
    assert [c["name"] for c in desc] == sorted(seen, reverse=True)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_masking_per_role_in_api_and_csv(role: str, client: TestClient, auth: Auth) -> None:
    created = _create(client, auth)
    perms = ROLE_PERMISSIONS[Role(role)]
    pii = "pii.read" in perms
    if "callers.read" in perms:
        body = client.get(f"/api/callers/{created['id']}", headers=auth(role)).json()
        assert body["masked"] is (not pii)
        assert (body["id_number"] == CALLER["id_number"]) is pii
        if not pii:
            assert body["id_number"] == "110***********1234"
            assert body["phones"][0]["number"] == "138****5678"
            assert body["emergency_contacts"][0]["phone"] == "139****1111"
            assert "和平路12号" not in body["address"]
        listed = client.get("/api/callers", headers=auth(role)).json()["items"]
        assert (listed[0]["id_number"] == CALLER["id_number"]) is pii
    if "callers.export" in perms:
        resp = client.get("/api/callers/export.csv", headers=auth(role))
        assert resp.status_code == 200
        rows = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))
        row = next(r for r in rows if r["id"] == str(created["id"]))
        if pii:
            assert row["id_number"] == CALLER["id_number"]
        else:
            assert row["id_number"] == "110***********1234"
            assert "13812345678" not in resp.text and "和平路12号" not in resp.text
