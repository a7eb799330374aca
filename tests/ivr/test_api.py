"""IVR flows through the API and the CLI: versions, publish, instant rollback, simulate, audit."""

from __future__ import annotations

import copy
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from hotline.audit.models import AuditEntry
from hotline.cli import app as hotline_app
from hotline.ivr.demo import DEMO_FLOW
from hotline.store.db import Database

H = Callable[[str], dict[str, str]]


def test_flow_lifecycle(client: TestClient, auth: H, db: Database) -> None:
    sup = auth("supervisor")
    r = client.post("/api/ivr/flows", json={"name": "main", "definition": DEMO_FLOW}, headers=sup)
    assert r.status_code == 201, r.text
    flow = r.json()
    fid = flow["id"]
    assert flow["published_number"] is None and flow["draft"] == DEMO_FLOW
    # Agents may read and simulate, not write.
    assert client.post(f"/api/ivr/flows/{fid}/publish", headers=auth("agent")).status_code == 403
    r = client.post(f"/api/ivr/flows/{fid}/publish", headers=sup)
    assert r.status_code == 200 and r.json()["published_number"] == 1 and r.json()["draft"] is None
    # A new draft (version 2) that sends key 1 to assistance; the published flow is unchanged.
    v2 = copy.deepcopy(DEMO_FLOW)
    v2["nodes"]["main_menu"]["options"]["1"] = "q_assistance"
    r = client.put(f"/api/ivr/flows/{fid}/draft", json={"definition": v2, "comment": "swap"}, headers=sup)
    assert r.status_code == 200 and [v["number"] for v in r.json()["versions"]] == [1, 2]
    sim = {"digits": ["1"], "at": "2026-11-25T10:00:00+08:00"}
    r = client.post(f"/api/ivr/flows/{fid}/simulate", json=sim, headers=auth("agent"))
    assert r.status_code == 200, r.text
    assert r.json()["outcome"]["target"] == "elderly"
    r = client.post(f"/api/ivr/flows/{fid}/simulate", json={**sim, "draft": True}, headers=auth("agent"))
    assert r.json()["outcome"]["target"] == "assistance"
    assert client.post(f"/api/ivr/flows/{fid}/publish", headers=sup).json()["published_number"] == 2
    # Instant rollback to version 1.
    r = client.post(f"/api/ivr/flows/{fid}/rollback", json={"number": 1}, headers=sup)
    assert r.json()["published_number"] == 1
    statuses = {v["number"]: v["status"] for v in r.json()["versions"]}
    assert statuses == {1: "published", 2: "archived"}
    assert client.post(f"/api/ivr/flows/{fid}/simulate", json=sim, headers=sup).json()["outcome"][
        "target"
    ] == ("elderly")
    # Publishing a broken draft is refused with the reason.
    broken = copy.deepcopy(DEMO_FLOW)
    broken["nodes"]["main_menu"]["options"]["1"] = "nowhere"
    client.put(f"/api/ivr/flows/{fid}/draft", json={"definition": broken}, headers=sup)
    r = client.post(f"/api/ivr/flows/{fid}/publish", headers=sup)
    assert r.status_code == 422 and "nowhere" in r.json()["detail"]
    r = client.post("/api/ivr/validate", json={"definition": broken}, headers=sup)
    assert any("nowhere" in e for e in r.json()["errors"])
    with db.session() as s:
        actions = [a for (a,) in s.execute(select(AuditEntry.action).where(AuditEntry.entity == "ivr_flow"))]
    assert actions.count("publish") == 2 and "rollback" in actions
    assert client.get("/api/ivr/node-types", headers=sup).json()["title"] == "Flow"


def test_cli_simulate(client: TestClient, auth: H, db: Database) -> None:
    client.post("/api/ivr/flows", json={"name": "main", "definition": DEMO_FLOW}, headers=auth("admin"))
    client.post("/api/ivr/flows/1/publish", headers=auth("admin"))
    runner = CliRunner()
    result = runner.invoke(
        hotline_app,
        [
            "ivr",
            "simulate",
            "main",
            "--digits",
            "9,2",
            "--caller",
            "13800000000",
            "--at",
            "2026-11-25T10:00+08:00",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "养老服务请按1" in result.output and "=> enqueue -> assistance" in result.output
    result = runner.invoke(hotline_app, ["ivr", "simulate", "nope"])
    assert result.exit_code == 2
