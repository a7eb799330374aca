"""The knowledge API end to end: create, edit with 409 on stale versions, workflow by role,
versions/diff/rollback, search and suggestions, in-call suggestions, usage and statistics,
import/export."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

Auth = Callable[[str], dict[str, str]]
BODY = {
    "title": "高龄津贴申领条件",
    "category": "养老/高龄津贴",
    "questions": ["八十岁老人补贴怎么领", "高龄津贴怎么申请"],
    "answer_short": "年满80周岁可申领，每月100元（示例）。",
    "tags": ["高龄津贴"],
}


def _publish(client: TestClient, auth: Auth, article_id: int, version: int) -> dict[str, object]:
    r = client.post(
        f"/api/knowledge/articles/{article_id}/submit", json={"version": version}, headers=auth("agent")
    )
    assert r.status_code == 200, r.text
    r = client.post(
        f"/api/knowledge/articles/{article_id}/publish",
        json={"version": r.json()["version"]},
        headers=auth("admin"),
    )
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def test_article_lifecycle(client: TestClient, auth: Auth) -> None:
    r = client.post("/api/knowledge/articles", json=BODY, headers=auth("agent"))
    assert r.status_code == 201, r.text
    art = r.json()
    assert art["state"] == "draft" and art["state_zh"] == "草稿"
    # An agent may not publish (knowledge.review); the publish of a draft is a 409 for a reviewer.
    r = client.post(
        f"/api/knowledge/articles/{art['id']}/publish", json={"version": 1}, headers=auth("agent")
    )
    assert r.status_code == 403
    r = client.post(
        f"/api/knowledge/articles/{art['id']}/publish", json={"version": 1}, headers=auth("admin")
    )
    assert r.status_code == 409 and r.json()["detail_zh"]
    # Two people edit the same version: the second gets 409.
    first = client.patch(
        f"/api/knowledge/articles/{art['id']}",
        json={"version": 1, "answer_short": "每月120元"},
        headers=auth("agent"),
    )
    assert first.status_code == 200
    second = client.patch(
        f"/api/knowledge/articles/{art['id']}",
        json={"version": 1, "answer_short": "每月150元"},
        headers=auth("agent"),
    )
    assert second.status_code == 409
    pub = _publish(client, auth, art["id"], first.json()["version"])
    assert pub["served"] is True and pub["live_version"] == 2
    versions = client.get(f"/api/knowledge/articles/{art['id']}/versions", headers=auth("agent")).json()
    assert [v["number"] for v in versions] == [2, 1]
    d = client.get(f"/api/knowledge/articles/{art['id']}/diff?from=1&to=2", headers=auth("agent")).json()
    assert d["changed"] == ["answer_short"] and "+【答复口径】 每月120元" in d["diff"]
    r = client.post(
        f"/api/knowledge/articles/{art['id']}/rollback",
        json={"version": pub["version"], "to_version": 1},
        headers=auth("agent"),
    )
    assert r.status_code == 200 and r.json()["content_version"] == 3 and r.json()["state"] == "draft"
    # The revision (v3, back to v1's text) is not what is read out on calls: v2 still is.
    for role in ("agent", "analyst"):
        seen = client.get(f"/api/knowledge/articles/{art['id']}", headers=auth(role)).json()
        assert seen["view"] == "served" and seen["answer_short"] == "每月120元"
    working = client.get(f"/api/knowledge/articles/{art['id']}?view=working", headers=auth("agent")).json()
    assert working["view"] == "working" and working["answer_short"] == BODY["answer_short"]
    assert (
        client.get(f"/api/knowledge/articles/{art['id']}?view=working", headers=auth("analyst")).status_code
        == 404
    )


def test_delete_only_unpublished_drafts(client: TestClient, auth: Auth) -> None:
    art = client.post("/api/knowledge/articles", json=BODY, headers=auth("agent")).json()
    assert (
        client.delete(f"/api/knowledge/articles/{art['id']}?version=0", headers=auth("agent")).status_code
        == 409
    )
    assert (
        client.delete(f"/api/knowledge/articles/{art['id']}?version=1", headers=auth("analyst")).status_code
        == 403
    )
    assert (
        client.delete(f"/api/knowledge/articles/{art['id']}?version=1", headers=auth("agent")).status_code
        == 204
    )
    assert client.get(f"/api/knowledge/articles/{art['id']}", headers=auth("agent")).status_code == 404
    other = client.post("/api/knowledge/articles", json=BODY, headers=auth("agent")).json()
    pub = _publish(client, auth, other["id"], other["version"])
    r = client.delete(
        f"/api/knowledge/articles/{other['id']}?version={pub['version']}", headers=auth("agent")
    )
    assert r.status_code == 409


def test_search_suggest_and_usage(client: TestClient, auth: Auth) -> None:
    art = client.post("/api/knowledge/articles", json=BODY, headers=auth("agent")).json()
    draft = client.post(
        "/api/knowledge/articles", json={**BODY, "title": "高龄津贴草稿"}, headers=auth("agent")
    ).json()
    _publish(client, auth, art["id"], art["version"])
    r = client.get("/api/knowledge/search", params={"q": "高龄津贴"}, headers=auth("agent"))
    assert r.status_code == 200
    hits = r.json()["hits"]
    assert [h["id"] for h in hits] == [art["id"]]  # the draft is not served
    assert "<em>" in hits[0]["title_hl"]
    r = client.get(
        "/api/knowledge/search", params={"q": "高龄津贴", "all_states": True}, headers=auth("agent")
    )
    assert draft["id"] in [h["id"] for h in r.json()["hits"]]
    assert (
        client.get("/api/knowledge/suggest", params={"q": "gljt"}, headers=auth("agent")).json()[0]["id"]
        == art["id"]
    )
    client.get("/api/knowledge/search", params={"q": "宠物医院"}, headers=auth("agent"))
    r = client.post(
        "/api/knowledge/in-call", json={"ivr_path": ["养老服务"], "text": ""}, headers=auth("agent")
    )
    assert r.status_code == 200 and r.json()[0]["id"] == art["id"]
    assert (
        client.post(
            f"/api/knowledge/articles/{art['id']}/use", json={"call_id": "c-1"}, headers=auth("agent")
        ).status_code
        == 204
    )
    assert (
        client.post(
            f"/api/knowledge/articles/{art['id']}/vote", json={"helpful": True}, headers=auth("agent")
        ).status_code
        == 204
    )
    r = client.post(
        f"/api/knowledge/articles/{art['id']}/links",
        json={"work_order_id": "WO-1", "work_order_type": "complaint"},
        headers=auth("agent"),
    )
    assert r.status_code == 201 and r.json()["expired"] is False
    stats = client.get("/api/knowledge/stats", headers=auth("agent")).json()
    assert stats["articles"][0]["uses"] == 1 and stats["articles"][0]["helpful"] == 1
    assert stats["no_result_queries"] == [{"query": "宠物医院", "count": 1}]
    assert stats["complaint_links"][0]["id"] == art["id"]


def test_import_export_round_trip(client: TestClient, auth: Auth) -> None:
    client.post("/api/knowledge/articles", json=BODY, headers=auth("agent"))
    xlsx = client.get("/api/knowledge/export.xlsx", headers=auth("agent"))
    md = client.get("/api/knowledge/export.md", headers=auth("agent"))
    assert xlsx.status_code == 200 and md.status_code == 200 and "# 高龄津贴申领条件" in md.text
    new_md = md.text.replace("- 编号: 1", "- 编号: ").replace("高龄津贴申领条件", "高龄津贴（导入）")
    r = client.post(
        "/api/knowledge/import",
        files={"file": ("k.md", new_md.encode(), "text/markdown")},
        headers=auth("agent"),
    )
    assert r.status_code == 200 and r.json()["created"] == 1, r.text
    r = client.post(
        "/api/knowledge/import",
        files={"file": ("k.xlsx", xlsx.content, "application/octet-stream")},
        headers=auth("agent"),
    )
    assert r.status_code == 200 and r.json()["updated"] == 1, r.text
    listed = client.get("/api/knowledge/articles", headers=auth("agent")).json()["items"]
    titles = {a["title"] for a in listed}
    assert {"高龄津贴申领条件", "高龄津贴（导入）"} <= titles
    found = next(a for a in listed if a["title"] == "高龄津贴（导入）")
    full = client.get(f"/api/knowledge/articles/{found['id']}", headers=auth("agent")).json()
    assert full["questions"] == BODY["questions"] and full["category"] == BODY["category"]
