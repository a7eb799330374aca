"""What the administrator's console needs from the IVR API: problems and the simulator's transcript in
Chinese, flows assigned to dialled numbers (used by the call router), copied and deleted."""

from __future__ import annotations

import copy
from collections.abc import Callable

from fastapi.testclient import TestClient

from hotline.ivr.demo import DEMO_FLOW
from hotline.ivr.service import flow_for_number
from hotline.store.db import Database

H = Callable[[str], dict[str, str]]


def test_validation_and_simulation_in_chinese(client: TestClient, auth: H) -> None:
    sup = auth("supervisor")
    fid = client.post("/api/ivr/flows", json={"name": "main", "definition": DEMO_FLOW}, headers=sup).json()[
        "id"
    ]
    wide = copy.deepcopy(DEMO_FLOW)
    wide["nodes"]["main_menu"]["options"].update({"6": "q_general", "7": "q_general"})
    wide["nodes"]["orphan"] = {"type": "hangup"}
    body = client.post("/api/ivr/validate", json={"definition": wide}, headers=sup).json()
    assert len(body["warnings_zh"]) == len(body["warnings"]) >= 2
    assert any("老年来电人最多适合 5 个" in w for w in body["warnings_zh"]), body
    assert "以下节点无法到达：orphan" in body["warnings_zh"]
    broken = copy.deepcopy(DEMO_FLOW)
    broken["nodes"]["main_menu"]["options"]["1"] = "nowhere"
    body = client.post("/api/ivr/validate", json={"definition": broken}, headers=sup).json()
    assert "节点“main_menu”指向不存在的节点“nowhere”" in body["errors_zh"]

    sim = {"digits": ["1"], "at": "2026-11-25T10:00:00+08:00", "definition": DEMO_FLOW}
    r = client.post(f"/api/ivr/flows/{fid}/simulate", json=sim, headers=sup).json()
    text = "\n".join(r["transcript_zh"])
    assert "来电人：按 1" in text and "⇒ 进入队列" in text, text
    assert "enqueue" not in text and "caller:" not in text


def test_assign_numbers_copy_and_delete(client: TestClient, auth: H, db: Database) -> None:
    sup = auth("supervisor")
    main = client.post("/api/ivr/flows", json={"name": "main", "definition": DEMO_FLOW}, headers=sup).json()
    client.post(f"/api/ivr/flows/{main['id']}/publish", headers=sup)
    # A copy of the main flow, published and assigned to the number 12349.
    night = client.post(
        "/api/ivr/flows", json={"name": "night", "definition": DEMO_FLOW, "numbers": ""}, headers=sup
    )
    assert night.status_code == 201, night.text
    nid = night.json()["id"]
    client.post(f"/api/ivr/flows/{nid}/publish", headers=sup)
    version = client.get(f"/api/ivr/flows/{nid}", headers=sup).json()["version"]
    assert (
        client.patch(
            f"/api/ivr/flows/{nid}", json={"version": version, "numbers": "12 349"}, headers=sup
        ).status_code
        == 422
    )
    r = client.patch(
        f"/api/ivr/flows/{nid}", json={"version": version, "numbers": "12349, 12345"}, headers=sup
    )
    assert r.status_code == 200, r.text
    assert r.json()["numbers"] == "12349,12345"
    with db.session() as s:
        assert (f := flow_for_number(s, "12349")) is not None and f.name == "night"
        assert (f := flow_for_number(s, "99999")) is not None and f.name == "main"
    # A number answers through one flow only.
    mv = client.get(f"/api/ivr/flows/{main['id']}", headers=sup).json()["version"]
    r = client.patch(f"/api/ivr/flows/{main['id']}", json={"version": mv, "numbers": "*,12349"}, headers=sup)
    assert r.status_code == 409 and "night" in r.json()["detail_zh"]
    # The default flow stays; the other one can go.
    assert client.delete(f"/api/ivr/flows/{main['id']}", headers=sup).status_code == 409
    assert client.delete(f"/api/ivr/flows/{nid}", headers=auth("agent")).status_code == 403
    assert client.delete(f"/api/ivr/flows/{nid}", headers=sup).status_code == 204
    assert client.get(f"/api/ivr/flows/{nid}", headers=sup).status_code == 404
    with db.session() as s:
        assert (f := flow_for_number(s, "12349")) is not None and f.name == "main"
