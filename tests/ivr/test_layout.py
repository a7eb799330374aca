"""The graphical editor's node positions are saved with a flow and ignored by calls."""

from __future__ import annotations

import copy
from collections.abc import Callable

from fastapi.testclient import TestClient

from hotline.ivr.demo import DEMO_FLOW

H = Callable[[str], dict[str, str]]


def test_layout_round_trips_and_does_not_change_the_walk(client: TestClient, auth: H) -> None:
    sup = auth("supervisor")
    fid = client.post("/api/ivr/flows", json={"name": "main", "definition": DEMO_FLOW}, headers=sup).json()[
        "id"
    ]
    with_layout = copy.deepcopy(DEMO_FLOW)
    with_layout["layout"] = {"main_menu": {"x": 240.5, "y": -110.0}, DEMO_FLOW["start"]: {"x": 0, "y": 0}}
    r = client.put(f"/api/ivr/flows/{fid}/draft", json={"definition": with_layout}, headers=sup)
    assert r.status_code == 200, r.text
    assert r.json()["draft"]["layout"]["main_menu"] == {"x": 240.5, "y": -110.0}
    sim = {"digits": ["1"], "at": "2026-11-25T10:00:00+08:00", "draft": True}
    walked = client.post(f"/api/ivr/flows/{fid}/simulate", json=sim, headers=sup).json()
    plain = client.post(
        f"/api/ivr/flows/{fid}/simulate", json={**sim, "definition": DEMO_FLOW, "draft": False}, headers=sup
    ).json()
    assert walked["transcript"] == plain["transcript"]
    bad = copy.deepcopy(with_layout)
    bad["layout"]["main_menu"] = {"x": "left", "y": 0}
    checked = client.post("/api/ivr/validate", json={"definition": bad}, headers=sup).json()
    assert any("layout" in e for e in checked["errors"])
