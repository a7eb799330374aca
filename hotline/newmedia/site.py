"""The website's generated pages and RSS feed, from published posts (WeChat articles and website
notices; Weibo posts stay on Weibo): an index, one page per notice, RSS 2.0. Every writer's text
is escaped: a post's body is plain text whose blank lines part paragraphs, never HTML."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from html import escape
from xml.sax.saxutils import escape as xml_escape

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.errors import NotFound
from hotline.newmedia.models import Post
from hotline.newmedia.states import State

ON_SITE = ("wechat_article", "web_notice")
FEED_ITEMS = 50


@dataclass(frozen=True)
class Notice:
    id: int
    title: str
    digest: str
    body: str
    published_at: datetime


def paragraphs(body: str) -> list[str]:
    return [p.strip() for p in body.replace("\r\n", "\n").split("\n\n") if p.strip()]


def body_html(body: str) -> str:
    """Plain text as HTML paragraphs (line breaks kept), everything escaped."""
    return "".join(f"<p>{escape(p).replace(chr(10), '<br/>')}</p>" for p in paragraphs(body))


def published(session: Session, limit: int = FEED_ITEMS) -> list[Notice]:
    stmt = (
        select(Post)
        .where(Post.state == State.published, Post.kind.in_(ON_SITE), Post.published_at.is_not(None))
        .order_by(Post.published_at.desc(), Post.id.desc())
        .limit(limit)
    )
    return [_notice(p) for p in session.scalars(stmt)]


def _notice(p: Post) -> Notice:
    assert p.published_at is not None
    return Notice(p.id, p.title, p.digest or "", p.body, p.published_at)


def notice(session: Session, post_id: int) -> Notice:
    p = session.get(Post, post_id)
    if p is None or p.state != State.published or p.kind not in ON_SITE or p.published_at is None:
        raise NotFound("no such notice", "公告不存在")
    return _notice(p)


def page_url(site_url: str, post_id: int) -> str:
    return f"{site_url.rstrip('/')}/notices/{post_id}.html"


def _page(title: str, site_title: str, main: str) -> str:
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} - {escape(site_title)}</title>"
        '<link rel="alternate" type="application/rss+xml" href="rss.xml"></head>'
        f"<body><header>{escape(site_title)}</header><main>{main}</main></body></html>"
    )


def notice_page(n: Notice, site_title: str) -> str:
    day = n.published_at.strftime("%Y-%m-%d")
    main = f"<article><h1>{escape(n.title)}</h1><p><time>{day}</time></p>{body_html(n.body)}</article>"
    return _page(n.title, site_title, main).replace('href="rss.xml"', 'href="../rss.xml"')


def index_page(notices: list[Notice], site_title: str) -> str:
    items = "".join(
        f'<li><a href="notices/{n.id}.html">{escape(n.title)}</a> '
        f"<time>{n.published_at.strftime('%Y-%m-%d')}</time></li>"
        for n in notices
    )
    return _page("通知公告", site_title, f"<h1>通知公告</h1><ul>{items}</ul>")


def rss(notices: list[Notice], site_title: str, site_url: str) -> str:
    base = site_url.rstrip("/")
    items = "".join(
        "<item>"
        f"<title>{xml_escape(n.title)}</title>"
        f"<link>{xml_escape(page_url(base, n.id))}</link>"
        f'<guid isPermaLink="true">{xml_escape(page_url(base, n.id))}</guid>'
        f"<pubDate>{format_datetime(n.published_at)}</pubDate>"
        f"<description>{xml_escape(n.digest or paragraphs(n.body)[0][:200] if n.body else '')}</description>"
        "</item>"
        for n in notices
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{xml_escape(site_title)}</title><link>{xml_escape(base)}/</link>"
        f"<description>{xml_escape(site_title)}通知公告</description><language>zh-cn</language>"
        f"{items}</channel></rss>"
    )
