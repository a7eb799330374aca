"""Posts reviewed and published: the workflow over HTTP (roles, a WeChat article needs a cover),
then the documented WeChat sequence against a local server that answers like WeChat (token →
add_material → draft/add → freepublish/submit → freepublish/get polled), with a busy errcode
backed off and retried, an expired token fetched again, a final errcode failing the publication
until an operator resumes it at its step (never a second draft); the website's notice page and
RSS feed from published posts; the calendar and planned publishing on an explicit clock."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.channels import wechat_out
from hotline.channels.settings import ChannelSettings
from hotline.errors import Conflict
from hotline.newmedia import publish
from hotline.newmedia.jobs import publish_planned
from hotline.newmedia.models import Publication
from hotline.newmedia.settings import NewMediaSettings
from hotline.newmedia.states import TABLE, TRANSITIONS, Action, State
from hotline.store.db import Database
from tests.newmedia.wxserver import PUBLISHED_URL, SECRET, WeChatPublishApi

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
T0 = datetime(2026, 10, 20, 2, 0, tzinfo=UTC)
CFG = NewMediaSettings(site_url="https://mz.example.gov.cn/site")
Auth = Callable[[str], dict[str, str]]


@pytest.fixture
def api() -> Iterator[WeChatPublishApi]:
    wechat_out._tokens.clear()  # a token cached against another test's server means nothing here
    server = WeChatPublishApi()
    yield server
    server.close()


def channel(api: WeChatPublishApi) -> ChannelSettings:
    return ChannelSettings(wechat_api_base=api.base, wechat_app_id="wx-app", wechat_app_secret=SECRET)


def run(db: Database, api: WeChatPublishApi, at: datetime, **cfg: Any) -> None:
    publish.run_due(db, at, CFG.model_copy(update=cfg), channel(api))


def _post(client: TestClient, auth: Auth, role: str, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/newmedia{path}", json=body, headers=auth(role))


def approved_article(client: TestClient, auth: Auth, title: str = "重阳节敬老月活动通知") -> dict[str, Any]:
    body = {
        "kind": "wechat_article",
        "title": title,
        "author": "市民政局",
        "digest": "敬老月期间各街道开展上门探访。",
        "body": "第一段：敬老月活动安排。\n\n第二段<script>alert(1)</script>",
    }
    post = _post(client, auth, "analyst", "/posts", body).json()
    refused = _post(client, auth, "analyst", f"/posts/{post['id']}/submit", {"version": post["version"]})
    assert refused.status_code == 422 and "封面" in refused.json()["title_zh"] + refused.json()["detail_zh"]
    post = client.put(
        f"/api/newmedia/posts/{post['id']}/cover",
        params={"version": post["version"]},
        content=PNG,
        headers={**auth("analyst"), "content-type": "image/png"},
    ).json()
    assert post["has_cover"]
    post = _post(client, auth, "analyst", f"/posts/{post['id']}/submit", {"version": post["version"]}).json()
    assert post["state"] == "in_review"
    assert (
        _post(
            client, auth, "analyst", f"/posts/{post['id']}/approve", {"version": post["version"]}
        ).status_code
        == 403
    )
    post = _post(
        client, auth, "supervisor", f"/posts/{post['id']}/approve", {"version": post["version"]}
    ).json()
    assert post["state"] == "approved" and post["allowed_actions"] == ["publish", "reopen"]
    return dict(post)


def test_publishing_a_reviewed_article_calls_the_documented_sequence(
    client: TestClient, auth: Auth, db: Database, api: WeChatPublishApi
) -> None:
    post = approved_article(client, auth)
    post = _post(
        client, auth, "supervisor", f"/posts/{post['id']}/publish", {"version": post["version"]}
    ).json()
    assert post["state"] == "published"
    assert sorted((p["target"], p["status"]) for p in post["publications"]) == [
        ("website", "queued"),
        ("wechat", "queued"),
    ]

    api.fail("/cgi-bin/draft/add", -1)  # 系统繁忙: passing, backed off
    run(db, api, T0)
    assert api.calls == ["/cgi-bin/token", "/cgi-bin/material/add_material", "/cgi-bin/draft/add"]
    run(db, api, T0 + timedelta(seconds=20))  # not due yet (30 s back-off)
    assert len(api.calls) == 3
    run(db, api, T0 + timedelta(seconds=31))
    assert api.calls[3:] == ["/cgi-bin/draft/add", "/cgi-bin/freepublish/submit"]

    api.token_n += 1  # WeChat retired our token (another client fetched one): 40001, fetched again
    run(db, api, T0 + timedelta(seconds=62))  # first poll: publish_status 1, still publishing
    assert api.calls[5:] == ["/cgi-bin/freepublish/get", "/cgi-bin/token", "/cgi-bin/freepublish/get"]
    run(db, api, T0 + timedelta(seconds=93))
    assert api.calls[8:] == ["/cgi-bin/freepublish/get"]

    post_id = post["id"]
    assert client.get(f"/api/newmedia/posts/{post_id}", headers=auth("agent")).status_code == 403
    post = client.get(f"/api/newmedia/posts/{post_id}", headers=auth("analyst")).json()
    pubs = {p["target"]: p for p in post["publications"]}
    assert pubs["wechat"]["status"] == "published" and pubs["wechat"]["url"] == PUBLISHED_URL
    assert pubs["website"]["url"] == f"https://mz.example.gov.cn/site/notices/{post['id']}.html"

    (draft,) = api.drafts
    assert "重阳节敬老月活动通知".encode() in api.raw_drafts[0]  # UTF-8, not \\u escapes
    assert draft["thumb_media_id"] == "THUMB1" and draft["author"] == "市民政局"
    assert (
        draft["content"]
        == "<p>第一段：敬老月活动安排。</p><p>第二段&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )
    assert draft["content_source_url"] == pubs["website"]["url"]
    with db.session() as s:
        steps = list(s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "newmedia_publication")))
    for step in ("queue", "uploaded", "attempt_failed", "drafted", "submitted", "poll", "published"):
        assert f"newmedia.publication_{step}" in steps


def test_a_final_error_fails_until_an_operator_resumes_it(
    client: TestClient, auth: Auth, db: Database, api: WeChatPublishApi
) -> None:
    post = approved_article(client, auth)
    _post(client, auth, "supervisor", f"/posts/{post['id']}/publish", {"version": post["version"]})
    api.fail("/cgi-bin/freepublish/submit", 53503)  # the draft did not pass WeChat's checks
    run(db, api, T0)
    post = client.get(f"/api/newmedia/posts/{post['id']}", headers=auth("supervisor")).json()
    wechat = next(p for p in post["publications"] if p["target"] == "wechat")
    assert wechat["status"] == "failed" and "errcode 53503" in wechat["error"]
    run(db, api, T0 + timedelta(hours=1))
    assert api.calls.count("/cgi-bin/freepublish/submit") == 1  # a failed one is left alone

    assert (
        client.post(f"/api/newmedia/publications/{wechat['id']}/retry", headers=auth("analyst")).status_code
        == 403
    )
    resumed = client.post(
        f"/api/newmedia/publications/{wechat['id']}/retry", headers=auth("supervisor")
    ).json()
    assert resumed["status"] == "drafted"
    api.polls_left = 0
    run(db, api, T0 + timedelta(hours=1))
    run(db, api, T0 + timedelta(hours=1, seconds=31))
    assert len(api.drafts) == 1 and api.calls.count("/cgi-bin/draft/add") == 1  # never a second draft
    with db.session() as s:
        assert s.get(Publication, wechat["id"]).status == "published"  # type: ignore[union-attr]


def test_passing_errors_back_off_then_give_up(
    client: TestClient, auth: Auth, db: Database, api: WeChatPublishApi
) -> None:
    post = approved_article(client, auth)
    _post(client, auth, "supervisor", f"/posts/{post['id']}/publish", {"version": post["version"]})
    api.fail("/cgi-bin/material/add_material", -1, 45009, -1)
    at = T0
    waits = []
    for _ in range(3):
        run(db, api, at, publish_max_attempts=3)
        with db.session() as s:
            pub = s.scalars(select(Publication).where(Publication.target == "wechat")).one()
        if pub.next_attempt_at is not None:
            waits.append((pub.next_attempt_at - at).total_seconds())
            at = pub.next_attempt_at
    assert waits == [30, 60]
    assert pub.status == "failed" and "errcode -1" in (pub.error or "")
    assert api.calls.count("/cgi-bin/material/add_material") == 3


def test_website_pages_and_feed_carry_published_posts_only(
    client: TestClient, auth: Auth, db: Database
) -> None:
    notice = {
        "kind": "web_notice",
        "title": "关于调整高龄津贴标准的公告 <b>",
        "body": "自11月起调整。\n\n详见附件。",
    }
    post = _post(client, auth, "analyst", "/posts", notice).json()
    draft_only = _post(client, auth, "analyst", "/posts", {**notice, "title": "尚未审核的草稿"}).json()
    for action, role in (("submit", "analyst"), ("approve", "supervisor"), ("publish", "supervisor")):
        post = _post(client, auth, role, f"/posts/{post['id']}/{action}", {"version": post["version"]}).json()
    publish.run_due(db, T0, CFG, ChannelSettings())  # the website target needs no API
    feed = client.get("/api/newmedia/site/rss.xml")  # public, like any website
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/rss+xml")
    assert "关于调整高龄津贴标准的公告 &lt;b&gt;" in feed.text and "尚未审核的草稿" not in feed.text
    page = client.get(f"/api/newmedia/site/notices/{post['id']}.html")
    assert page.status_code == 200 and "<p>自11月起调整。</p><p>详见附件。</p>" in page.text
    assert "&lt;b&gt;" in page.text
    assert client.get(f"/api/newmedia/site/notices/{draft_only['id']}.html").status_code == 404
    assert f"notices/{post['id']}.html" in client.get("/api/newmedia/site/").text

    post = _post(
        client, auth, "supervisor", f"/posts/{post['id']}/retire", {"version": post["version"]}
    ).json()
    assert post["state"] == "retired"
    assert "关于调整高龄津贴标准的公告" not in client.get("/api/newmedia/site/rss.xml").text


def test_calendar_and_planned_publishing(client: TestClient, auth: Auth, db: Database) -> None:
    planned = datetime(2026, 10, 28, 16, 30, tzinfo=UTC)  # 10-29 00:30 in Shanghai: 重阳节
    body = {
        "kind": "weibo_post",
        "title": "重阳节问候",
        "body": "祝老年朋友节日快乐！",
        "planned_at": planned.isoformat(),
    }
    post = _post(client, auth, "analyst", "/posts", body).json()
    for action, role in (("submit", "analyst"), ("approve", "supervisor")):
        post = _post(client, auth, role, f"/posts/{post['id']}/{action}", {"version": post["version"]}).json()
    days = client.get(
        "/api/newmedia/calendar", params={"start": "2026-10-01", "end": "2026-10-31"}, headers=auth("analyst")
    ).json()
    assert [(d["day"], [p["title"] for p in d["posts"]]) for d in days] == [("2026-10-29", ["重阳节问候"])]
    assert publish_planned(db, planned - timedelta(minutes=1)) == 0
    assert publish_planned(db, planned) == 1
    post = client.get(f"/api/newmedia/posts/{post['id']}", headers=auth("analyst")).json()
    assert post["state"] == "published" and post["publications"] == []  # Weibo: posted by hand


def test_every_state_and_action_is_in_the_table_or_refused() -> None:
    moves = {(t.source, t.action): t.target for t in TRANSITIONS}
    for state in State:
        for action in Action:
            if (state, action) in moves:
                assert TABLE.next(state, action) == moves[(state, action)]
            else:
                with pytest.raises(Conflict):
                    TABLE.next(state, action)
    assert json.dumps(sorted(a.value for a in TABLE.allowed(State.published))) == '["retire"]'


def _published(client: TestClient, auth: Auth, db: Database, api: WeChatPublishApi, title: str) -> Any:
    post = approved_article(client, auth, title)
    post = _post(client, auth, "supervisor", f"/posts/{post['id']}/publish", {"version": post["version"]})
    run(db, api, T0)
    run(db, api, T0 + timedelta(seconds=31))  # the first poll: still publishing
    run(db, api, T0 + timedelta(seconds=62))  # published
    return post.json()


def test_retiring_a_post_deletes_the_article_and_takes_the_page_down(
    client: TestClient, auth: Auth, db: Database, api: WeChatPublishApi
) -> None:
    post = _published(client, auth, db, api, "冬季防火安全提示")
    pid = post["id"]
    post = client.get(f"/api/newmedia/posts/{pid}", headers=auth("analyst")).json()
    assert {p["target"]: p["status"] for p in post["publications"]} == {
        "wechat": "published",
        "website": "published",
    }
    assert "冬季防火安全提示" in client.get("/api/newmedia/site/").text

    api.fail("/cgi-bin/freepublish/delete", -1)  # busy once: backed off like publishing
    post = _post(client, auth, "supervisor", f"/posts/{pid}/retire", {"version": post["version"]}).json()
    assert post["state"] == "retired"
    pubs = {p["target"]: p["status"] for p in post["publications"]}
    assert pubs == {"wechat": "withdrawing", "website": "withdrawn"}
    assert "冬季防火安全提示" not in client.get("/api/newmedia/site/").text
    run(db, api, T0 + timedelta(seconds=100))
    run(db, api, T0 + timedelta(seconds=140))
    assert api.deleted == [{"article_id": "ARTICLE_ID_1", "index": 0}]
    assert api.calls.count("/cgi-bin/freepublish/delete") == 2
    post = client.get(f"/api/newmedia/posts/{pid}", headers=auth("analyst")).json()
    assert {p["target"]: p["status"] for p in post["publications"]}["wechat"] == "withdrawn"
    run(db, api, T0 + timedelta(seconds=300))
    assert api.calls.count("/cgi-bin/freepublish/delete") == 2  # withdrawn once, never again
    with db.session() as s:
        steps = list(s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "newmedia_publication")))
    assert {"newmedia.publication_withdraw", "newmedia.publication_withdrawn"} <= set(steps)


def test_a_post_retired_while_publishing_is_withdrawn_once_out_and_refusals_wait_for_an_operator(
    client: TestClient, auth: Auth, db: Database, api: WeChatPublishApi
) -> None:
    post = approved_article(client, auth, "寒潮预警下的独居老人关爱")
    post = _post(
        client, auth, "supervisor", f"/posts/{post['id']}/publish", {"version": post["version"]}
    ).json()
    run(db, api, T0)  # submitted; WeChat still publishing at the first poll
    post = _post(
        client, auth, "supervisor", f"/posts/{post['id']}/retire", {"version": post["version"]}
    ).json()
    assert {p["target"]: p["status"] for p in post["publications"]}["wechat"] == "submitted"
    api.fail("/cgi-bin/freepublish/delete", 53600)  # refused (a final errcode): an operator decides
    run(db, api, T0 + timedelta(seconds=31))  # polled: published → withdrawn at once → refused
    run(db, api, T0 + timedelta(seconds=62))
    post = client.get(f"/api/newmedia/posts/{post['id']}", headers=auth("analyst")).json()
    wechat = next(p for p in post["publications"] if p["target"] == "wechat")
    assert wechat["status"] == "withdraw_failed" and "53600" in wechat["error"]
    assert api.deleted == []
    assert (
        client.post(f"/api/newmedia/publications/{wechat['id']}/retry", headers=auth("supervisor")).json()[
            "status"
        ]
        == "withdrawing"
    )
    run(db, api, T0 + timedelta(seconds=90))
    assert api.deleted == [{"article_id": "ARTICLE_ID_1", "index": 0}]
    assert api.calls.count("/cgi-bin/freepublish/submit") == 1  # never published a second time
