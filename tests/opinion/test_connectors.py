"""Platform connectors (Weibo, Toutiao) behind one interface, against local servers answering as
the platforms document: statuses and articles become items (a repost carries its original's
words), the raw answer is stored first without our key, and a platform error is shown on the
source with its code while the source backs off and is fetched again when due."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from hotline.opinion import connectors, ingest
from hotline.opinion.fetch import Fetcher
from hotline.opinion.models import OpinionItem, OpinionRaw, OpinionSource
from hotline.store.db import Database
from tests.opinion.platforms import TOKEN, Platform, serve_platform

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
WEIBO_PATH = "/2/search/statuses/limited.json"
TOUTIAO_PATH = "/api/content/search"
STATUSES = {
    "statuses": [
        {
            "created_at": "Tue Dec 01 15:46:55 +0800 2026",
            "id": 5001,
            "idstr": "5001",
            "mid": "5001",
            "text": "某养老院护工虐待老人被曝光，家属投诉无果。",
            "user": {"id": 1404376560, "screen_name": "市民甲"},
            "reposts_count": 8,
        },
        {
            "created_at": "Tue Dec 01 16:02:10 +0800 2026",
            "id": 5002,
            "idstr": "5002",
            "mid": "5002",
            "text": "转发微博 //@市民甲:",
            "user": {"id": 2200, "screen_name": "市民乙"},
            "retweeted_status": {"idstr": "5001", "text": "某养老院护工虐待老人被曝光，家属投诉无果。"},
        },
    ],
    "total_number": 2,
}
ARTICLES = {
    "err_no": 0,
    "err_tips": "success",
    "data": {
        "list": [
            {
                "item_id": "7301234567890",
                "title": "社区长者食堂开业",
                "abstract": "老年助餐点今日开业，八十岁以上老人半价。",
                "article_url": "https://www.toutiao.com/article/7301234567890/",
                "publish_time": 1764576000,
            }
        ],
        "has_more": False,
    },
}


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    monkeypatch.setenv("HOTLINE_OPINION_WEIBO_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("HOTLINE_OPINION_TOUTIAO_ACCESS_TOKEN", TOKEN)
    connectors.get_connector_settings.cache_clear()
    with serve_platform() as p:
        yield p
    connectors.get_connector_settings.cache_clear()


def add_source(db: Database, kind: str, url: str) -> int:
    with db.session() as s:
        src = OpinionSource(name=kind, kind=kind, url=url, every_seconds=600)
        s.add(src)
        s.flush()
        return src.id


def source(db: Database, sid: int) -> OpinionSource:
    with db.session() as s:
        src = s.get(OpinionSource, sid)
        assert src is not None
        return src


def items(db: Database, sid: int) -> list[OpinionItem]:
    with db.session() as s:
        return list(
            s.scalars(select(OpinionItem).where(OpinionItem.source_id == sid).order_by(OpinionItem.id))
        )


def test_weibo_error_is_shown_backed_off_and_retried(db: Database, platform: Platform) -> None:
    platform.script(
        WEIBO_PATH,
        (403, {"error": "User requests out of rate limit!", "error_code": 10023, "request": WEIBO_PATH}),
        (200, STATUSES),
    )
    sid = add_source(db, "weibo", platform.url(WEIBO_PATH + "?q=养老院&count=50"))
    f = Fetcher(min_interval=0.0, timeout=2.0)
    ingest.run(db, f, T0)
    src = source(db, sid)
    assert src.status == "failed" and src.reason == "weibo error 10023: User requests out of rate limit!"
    assert src.next_fetch_at == T0 + timedelta(seconds=1200)  # the interval doubled
    assert ingest.run(db, f, T0 + timedelta(seconds=1199)).outcomes == []  # not due yet

    ingest.run(db, f, T0 + timedelta(seconds=1200))
    src = source(db, sid)
    assert (src.status, src.reason, src.failures) == ("ok", None, 0)
    original, repost = items(db, sid)
    assert original.guid == "weibo:5001" and original.url == "https://weibo.com/1404376560/5001"
    assert original.published_at == datetime(2026, 12, 1, 7, 46, 55, tzinfo=UTC)
    assert "虐待老人被曝光" in repost.text  # a repost spreads its original's words
    path, query = platform.requests[-1]
    assert path == WEIBO_PATH and query["q"] == ["养老院"] and query["access_token"] == [TOKEN]
    with db.session() as s:  # stored raw first, without our key
        urls = list(s.scalars(select(OpinionRaw.url).where(OpinionRaw.source_id == sid)))
    assert urls and all("access_token" not in u for u in urls)

    ingest.run(db, f, T0 + timedelta(seconds=1800))  # the same statuses again: nothing new
    assert len(items(db, sid)) == 2


def test_toutiao_error_in_a_200_and_garbage(db: Database, platform: Platform) -> None:
    platform.script(
        TOUTIAO_PATH,
        (200, {"err_no": 28001003, "err_tips": "access_token无效", "data": {}}),
        (200, b"<html>502 Bad Gateway</html>"),
        (200, ARTICLES),
    )
    sid = add_source(db, "toutiao", platform.url(TOUTIAO_PATH + "?keyword=养老"))
    f = Fetcher(min_interval=0.0, timeout=2.0)
    ingest.run(db, f, T0, only=[sid])
    assert source(db, sid).reason == "toutiao error 28001003: access_token无效"
    ingest.run(db, f, T0, only=[sid])
    src = source(db, sid)
    assert src.status == "failed" and (src.reason or "").startswith("garbage_json") and src.failures == 2
    ingest.run(db, f, T0, only=[sid])
    (item,) = items(db, sid)
    assert (item.guid, item.title) == ("toutiao:7301234567890", "社区长者食堂开业")
    assert "半价" in item.text and item.published_at == datetime(2025, 12, 1, 8, 0, tzinfo=UTC)


def test_a_platform_without_a_key_says_so(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOTLINE_OPINION_WEIBO_ACCESS_TOKEN", raising=False)
    connectors.get_connector_settings.cache_clear()
    sid = add_source(db, "weibo", "https://api.weibo.com/2/statuses/user_timeline.json?uid=1")
    ingest.run(db, Fetcher(min_interval=0.0), T0, only=[sid])
    assert source(db, sid).reason == "no access token for weibo (HOTLINE_OPINION_*)"
    connectors.get_connector_settings.cache_clear()
