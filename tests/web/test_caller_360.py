"""The caller 360° API (both databases): search by name part, full number or last 4+ digits; one
caller's calls (by id or any of their numbers), recordings and return visits, permission-checked
and masked for readers without `pii.read` like the general lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from hotline.calls.models import Call, Recording
from hotline.store.db import Database
from hotline.workorders.models import ReturnVisit

Auth = Callable[[str], dict[str, str]]
CALLER = {
    "name": "王秀兰",
    "phones": [{"number": "13812345678"}, {"number": "0571-8765-4321", "label": "座机"}],
    "care_profile": {"living_alone": True, "age": 86, "priority_level": 2},
    "emergency_contacts": [{"name": "王芳", "relation": "女儿", "phone": "13900005678"}],
}


def _caller(client: TestClient, auth: Auth, **kw: Any) -> int:
    r = client.post("/api/callers", json={**CALLER, **kw}, headers=auth("agent"))
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _names(client: TestClient, auth: Auth, q: str) -> list[str]:
    r = client.get("/api/callers", params={"q": q}, headers=auth("agent"))
    assert r.status_code == 200, r.text
    return [c["name"] for c in r.json()["items"]]


def test_search_by_name_part_full_number_and_last_digits(client: TestClient, auth: Auth) -> None:
    _caller(client, auth)
    _caller(client, auth, name="李建国", phones=[{"number": "13700001111"}], emergency_contacts=[])
    assert _names(client, auth, "秀兰") == ["王秀兰"]
    assert _names(client, auth, "138 1234 5678") == ["王秀兰"]
    assert _names(client, auth, "5678") == ["王秀兰"]  # the emergency contact's 5678 does not count
    assert _names(client, auth, "4321") == ["王秀兰"]  # the landline's tail
    assert sorted(_names(client, auth, "1111")) == ["李建国"]
    assert _names(client, auth, "678") == []  # under four digits: no tail match
    assert _names(client, auth, "%") == []  # a wildcard is a character, not a pattern


def _seed_calls(db: Database, cid: int) -> None:
    with db.session() as s:
        s.add(Call(uuid="c-by-id", caller_number="02100000000", caller_id=cid, state="ended"))
        s.add(Call(uuid="c-by-number", caller_number="057187654321", state="ended"))
        s.add(Call(uuid="c-other", caller_number="13700001111", state="ended"))
        for uuid, number in (("c-by-id", "02100000000"), ("c-by-number", "057187654321")):
            s.add(Recording(call_uuid=uuid, path=f"/x/{uuid}.wav", caller_number=number, complete=True))
        s.add(Recording(call_uuid="c-other", path="/x/o.wav", caller_number="13700001111", complete=True))


def test_calls_and_recordings_by_id_and_all_numbers(client: TestClient, auth: Auth, db: Database) -> None:
    cid = _caller(client, auth)
    _seed_calls(db, cid)
    calls = client.get(f"/api/callers/{cid}/calls", headers=auth("agent")).json()["items"]
    assert sorted(c["uuid"] for c in calls) == ["c-by-id", "c-by-number"]
    assert {c["caller_number"] for c in calls} == {"02100000000", "057187654321"}
    recs = client.get(f"/api/callers/{cid}/recordings", headers=auth("agent")).json()["items"]
    assert sorted(r["call_uuid"] for r in recs) == ["c-by-id", "c-by-number"]
    # The analyst reads calls but not personal data: numbers masked as in /api/calls/cdrs.
    masked = client.get(f"/api/callers/{cid}/calls", headers=auth("analyst")).json()["items"]
    assert all("****" in c["caller_number"] for c in masked)


def test_history_needs_the_list_permission_and_callers_read(client: TestClient, auth: Auth) -> None:
    cid = _caller(client, auth)
    for tab in ("calls", "recordings", "return-visits"):
        r = client.get(f"/api/callers/{cid}/{tab}", headers=auth("department_handler"))
        assert r.status_code == 403, (tab, r.text)
        assert client.get(f"/api/callers/999999/{tab}", headers=auth("agent")).status_code == 404
    # The analyst may read calls but holds no recordings.read.
    assert client.get(f"/api/callers/{cid}/recordings", headers=auth("analyst")).status_code == 403


def test_return_visits_of_the_callers_orders(client: TestClient, auth: Auth, db: Database) -> None:
    cid = _caller(client, auth)
    body = {"type": "help_request", "title": "申请低保", "content": "老人想申请低保", "caller_id": cid}
    order = client.post("/api/workorders", json=body, headers=auth("agent")).json()
    other = client.post("/api/workorders", json={**body, "caller_id": None}, headers=auth("agent")).json()
    with db.session() as s:
        s.add(ReturnVisit(workorder_id=order["id"], status="done", method="phone", note="回拨 13812345678"))
        s.add(ReturnVisit(workorder_id=other["id"]))
    r = client.get(f"/api/callers/{cid}/return-visits", headers=auth("agent"))
    assert r.status_code == 200, r.text
    [visit] = r.json()
    assert (visit["number"], visit["status"], visit["note"]) == (order["number"], "done", "回拨 13812345678")


def test_agents_create_and_edit_callers_during_calls(client: TestClient, auth: Auth) -> None:
    """Agents hold `callers.write` (an unknown number is filed during the call); roles that only
    read callers, or not even that, may not write them."""
    cid = _caller(client, auth)
    body = client.get(f"/api/callers/{cid}", headers=auth("agent")).json()
    keep = ("name", "gender", "address", "district", "notes", "phones", "emergency_contacts")
    patch = {k: body[k] for k in keep}
    patch |= {"care_profile": {**body["care_profile"], "living_alone": False}, "version": body["version"]}
    r = client.put(f"/api/callers/{cid}", json=patch, headers=auth("agent"))
    assert r.status_code == 200, r.text
    assert r.json()["care_profile"]["living_alone"] is False
    for role in ("qa_inspector", "analyst", "department_handler"):
        assert client.post("/api/callers", json=CALLER, headers=auth(role)).status_code == 403, role
