"""Sources over HTTP: created and changed by analysts (audited), read by supervisors, refused to
agents; a stale edit is a 409."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.store.db import Database
from tests.opinion import pages
from tests.opinion.site import Page, serve


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


def test_fetch_now_fetches_processes_and_says_how_it_went(
    client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    feed = pages.rss([(f"c{i}", f"养老院虐待老人{i}", f"转发{i}：{pages.STORY}") for i in range(3)])
    with serve({"/rss.xml": Page(feed, "application/rss+xml"), "/bad.xml": Page(b"", status=502)}) as site:
        h = auth("analyst")
        good = client.post(
            "/api/opinion/sources", json={"name": "g", "kind": "feed", "url": site.url("/rss.xml")}, headers=h
        )
        bad = client.post(
            "/api/opinion/sources", json={"name": "b", "kind": "feed", "url": site.url("/bad.xml")}, headers=h
        )
        done = client.post(f"/api/opinion/sources/{good.json()['id']}/fetch", headers=h).json()
        assert (done["status"], done["items_total"]) == ("ok", 3)
        failed = client.post(f"/api/opinion/sources/{bad.json()['id']}/fetch", headers=h).json()
        assert (failed["status"], failed["reason"], failed["failures"]) == ("failed", "http 502", 1)
        assert client.post("/api/opinion/sources/999/fetch", headers=h).status_code == 404
    items = client.get("/api/opinion/items", headers=h).json()
    assert len(items) == 3 and {i["state"] for i in items} == {"processed"}
    assert client.get("/api/opinion/alerts", headers=auth("supervisor")).json()["open"] == 1
