"""Sources over HTTP: created and changed by analysts (audited), read by supervisors, refused to
agents; a stale edit is a 409."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.store.db import Database


def test_sources_crud_and_status(
    client: TestClient, auth: Callable[[str], dict[str, str]], db: Database
) -> None:
    body = {"name": "区政府网站", "kind": "page", "url": "http://gov.example.cn/news/", "every_seconds": 600}
    assert client.post("/api/opinion/sources", json=body, headers=auth("agent")).status_code == 403
    created = client.post("/api/opinion/sources", json=body, headers=auth("analyst"))
    assert created.status_code == 201, created.text
    src = created.json()
    assert (src["status"], src["version"]) == ("never", 1)
    listed = client.get("/api/opinion/sources", headers=auth("supervisor")).json()
    assert [s["name"] for s in listed] == ["区政府网站"]
    patch = {"version": 1, "every_seconds": 1800}
    changed = client.patch(f"/api/opinion/sources/{src['id']}", json=patch, headers=auth("analyst"))
    assert changed.status_code == 200 and changed.json()["every_seconds"] == 1800
    stale = client.patch(f"/api/opinion/sources/{src['id']}", json=patch, headers=auth("analyst"))
    assert stale.status_code == 409
    bad = client.post("/api/opinion/sources", json={**body, "url": "ftp://x"}, headers=auth("analyst"))
    assert bad.status_code == 422
    with db.session() as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "opinion_source")))
    assert actions == ["opinion.source_create", "opinion.source_update"]
