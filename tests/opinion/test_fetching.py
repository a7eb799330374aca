"""Fetching against a local web site: feeds fetched once (conditional GET), GB2312/GBK pages
decoded, sources that time out, send 10 MB or garbage failing alone with their reason, robots.txt
obeyed, back-off, and nothing fetched lost when parsing never happened (a crash)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hotline.opinion import ingest
from hotline.opinion.fetch import Fetcher
from hotline.opinion.models import OpinionItem, OpinionRaw, OpinionSource
from hotline.store.base import utcnow
from hotline.store.db import Database
from tests.opinion import pages
from tests.opinion.site import HUGE, SLOW, Page, serve


def fetcher(**kw: float) -> Fetcher:
    kw.setdefault("min_interval", 0.0)
    kw.setdefault("timeout", 2.0)
    return Fetcher(**kw)  # type: ignore[arg-type]


def add_source(db: Database, kind: str, url: str, name: str = "s") -> int:
    with db.session() as s:
        src = OpinionSource(name=name, kind=kind, url=url, every_seconds=600)
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


FEED = pages.rss(
    [("a1", "养老院护工虐待老人被曝光", pages.STORY), ("a2", "社区食堂开业", "老年助餐点今日开业。")]
)


def test_feed_is_fetched_once_with_conditional_get(db: Database) -> None:
    with serve(
        {
            "/rss.xml": Page(
                FEED, "application/rss+xml", etag='"v1"', last_modified="Thu, 03 Dec 2026 00:00:00 GMT"
            )
        }
    ) as site:
        sid = add_source(db, "feed", site.url("/rss.xml"))
        f = fetcher()
        first = ingest.run(db, f, only=[sid])
        assert first.new_items == 2
        second = ingest.run(db, f, only=[sid])
        assert second.new_items == 0
        hits = site.hits("/rss.xml")
        assert len(hits) == 2
        assert "if-none-match" not in hits[0]
        assert hits[1]["if-none-match"] == '"v1"'
        assert hits[1]["if-modified-since"] == "Thu, 03 Dec 2026 00:00:00 GMT"
        assert source(db, sid).status == "not_modified"
        got = items(db, sid)
        assert [i.title for i in got] == ["养老院护工虐待老人被曝光", "社区食堂开业"]
        assert "投诉无果" in got[0].text and "<p>" not in got[0].text
        with db.session() as s:  # one raw body: the 304 stored nothing
            assert len(list(s.scalars(select(OpinionRaw.id)))) == 1


def test_gb2312_feed_and_atom_feed(sqlite_db: Database) -> None:
    gb = pages.rss(
        [("g1", "敬老院冬季取暖检查", "区民政局对全区敬老院开展冬季取暖安全检查。")], encoding="gb2312"
    )
    at = pages.atom([("e1", "志愿者探访独居老人", "社区志愿者上门探访独居老人，送去棉衣。")])
    with serve({"/gb.xml": Page(gb, "text/xml"), "/atom.xml": Page(at, "application/atom+xml")}) as site:
        g = add_source(sqlite_db, "feed", site.url("/gb.xml"))
        a = add_source(sqlite_db, "feed", site.url("/atom.xml"))
        ingest.run(sqlite_db, fetcher(), only=[g, a])
        assert [i.title for i in items(sqlite_db, g)] == ["敬老院冬季取暖检查"]
        assert "冬季取暖安全检查" in items(sqlite_db, g)[0].text
        atom_items = items(sqlite_db, a)
        assert [i.title for i in atom_items] == ["志愿者探访独居老人"]
        assert atom_items[0].url == "http://blog.example.cn/e1"


def test_gbk_list_page_articles_extracted_and_decoded(sqlite_db: Database) -> None:
    # 堃 and 镕 are GBK but not GB2312: a page labelled gb2312 still decodes (read as GB18030).
    links = [
        ("/news/1.html", "福利院儿童冬衣发放到位"),
        ("/news/2.html", "残疾人就业招聘会举行"),
        ("http://elsewhere.example/x", "外站链接不应抓取的标题"),
    ]
    first = pages.article_page(
        links[0][1], ["区儿童福利院为孩子们发放冬衣，志愿者王堃和朱镕参与。", pages.STORY]
    )
    second = pages.article_page(links[1][1], ["残联举办专场招聘会，提供岗位两百余个。" * 3], charset=None)
    routes = {
        "/news/": Page(pages.list_page(links), "text/html"),
        "/news/1.html": Page(first, "text/html; charset=gb2312"),
        # Mislabelled: the header says UTF-8, the bytes are GBK.
        "/news/2.html": Page(second, "text/html; charset=utf-8"),
    }
    with serve(routes) as site:
        sid = add_source(sqlite_db, "page", site.url("/news/"))
        report = ingest.run(sqlite_db, fetcher(), only=[sid])
        assert report.new_items == 2
        got = {i.url.rsplit("/", 1)[-1]: i for i in items(sqlite_db, sid)}
        assert "王堃和朱镕" in got["1.html"].text
        assert got["1.html"].title == "福利院儿童冬衣发放到位"
        assert got["1.html"].encoding == "gb18030" and got["1.html"].encoding_flag is None
        assert "残联举办专场招聘会" in got["2.html"].text
        assert got["2.html"].encoding_flag == "mislabelled"
        assert "首页" not in got["1.html"].text  # navigation is not the article
        assert site.hits("/x") == []
        # The second run: the list page again, but known articles are not fetched again.
        ingest.run(sqlite_db, fetcher(), only=[sid])
        assert len(site.hits("/news/1.html")) == 1


def test_bad_sources_fail_alone_with_their_reason(sqlite_db: Database) -> None:
    routes = {
        "/slow.xml": Page(SLOW),
        "/huge.html": Page(HUGE),
        "/list/": Page(pages.list_page([("/broken.html", "一条打不开的新闻标题")]), "text/html"),
        "/broken.html": Page(pages.BROKEN_HTML, "text/html"),
        "/junk.xml": Page(b"\x89PNG\r\n\x1a\n not a feed at all", "application/rss+xml"),
        "/gone.xml": Page(b"", status=503),
        "/rss.xml": Page(FEED, "application/rss+xml"),
    }
    with serve(routes) as site:
        ids = {
            name: add_source(sqlite_db, kind, site.url(path), name)
            for name, kind, path in [
                ("slow", "feed", "/slow.xml"),
                ("huge", "page", "/huge.html"),
                ("broken", "page", "/list/"),
                ("junk", "feed", "/junk.xml"),
                ("gone", "feed", "/gone.xml"),
                ("good", "feed", "/rss.xml"),
            ]
        }
        ingest.run(sqlite_db, fetcher(timeout=0.5, max_bytes=1_000_000), only=list(ids.values()), workers=6)
        status = {n: (source(sqlite_db, i).status, source(sqlite_db, i).reason or "") for n, i in ids.items()}
        assert status["good"] == ("ok", "")
        assert len(items(sqlite_db, ids["good"])) == 2
        assert status["slow"][0] == "failed" and status["slow"][1].startswith("timeout")
        assert status["huge"][0] == "failed" and status["huge"][1].startswith("too_large")
        assert status["broken"][0] == "ok" and "garbage_html" in status["broken"][1]
        assert status["junk"][0] == "failed" and status["junk"][1].startswith("garbage_feed")
        assert status["gone"] == ("failed", "http 503")


def test_robots_txt_is_obeyed(sqlite_db: Database) -> None:
    robots = Page(b"User-agent: *\nDisallow: /private/\n", "text/plain")
    with serve({"/robots.txt": robots, "/private/rss.xml": Page(FEED, "application/rss+xml")}) as site:
        sid = add_source(sqlite_db, "feed", site.url("/private/rss.xml"))
        ingest.run(sqlite_db, fetcher(), only=[sid])
        assert source(sqlite_db, sid).status == "blocked"
        assert site.hits("/private/rss.xml") == []


def test_failing_source_backs_off_and_recovers(sqlite_db: Database) -> None:
    with serve({"/rss.xml": Page(b"", status=500)}) as site:
        sid = add_source(sqlite_db, "feed", site.url("/rss.xml"))
        now = utcnow()
        f = fetcher()
        gaps = []
        for _ in range(3):
            ingest.run(sqlite_db, f, now, only=[sid])
            gaps.append(source(sqlite_db, sid).next_fetch_at - now)  # type: ignore[operator]
        assert gaps == [timedelta(seconds=1200), timedelta(seconds=2400), timedelta(seconds=4800)]
        assert source(sqlite_db, sid).failures == 3
        site.routes["/rss.xml"] = Page(FEED, "application/rss+xml")
        ingest.run(sqlite_db, f, now, only=[sid])
        src = source(sqlite_db, sid)
        assert (src.status, src.failures, src.next_fetch_at - now) == ("ok", 0, timedelta(seconds=600))  # type: ignore[operator]
        with sqlite_db.session() as s:
            assert ingest.due_sources(s, now) == []
            assert ingest.due_sources(s, now + timedelta(seconds=601)) == [sid]


def test_raw_body_survives_a_crash_before_parsing(sqlite_db: Database) -> None:
    with serve({"/rss.xml": Page(FEED, "application/rss+xml")}) as site:
        sid = add_source(sqlite_db, "feed", site.url("/rss.xml"))
        f = fetcher()
        with f.client() as c:
            got = f.get(c, site.url("/rss.xml"))
        ingest.store_raw(sqlite_db, sid, got, "feed")  # ... and the process dies here
    assert items(sqlite_db, sid) == []
    assert ingest.parse_pending(sqlite_db) == 2
    assert ingest.parse_pending(sqlite_db) == 0
    assert len(items(sqlite_db, sid)) == 2


def test_feed_with_entities_is_refused(sqlite_db: Database) -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b"<rss><channel><item><title>&b;</title></item></channel></rss>"
    )
    with serve({"/bomb.xml": Page(bomb, "application/rss+xml")}) as site:
        sid = add_source(sqlite_db, "feed", site.url("/bomb.xml"))
        ingest.run(sqlite_db, fetcher(), only=[sid])
        assert source(sqlite_db, sid).reason == "feed declares XML entities (refused)"
        assert items(sqlite_db, sid) == []


def test_per_host_pace() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)

    f = Fetcher(min_interval=2.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        f.wait_turn("a.example")
    f.wait_turn("b.example")
    assert slept == [2.0, 4.0]  # the third waits for two slots; another host waits for none
