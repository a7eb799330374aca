"""What a fetched body says: the entries of an RSS/Atom feed, the article links of a list page,
and an article page's title and text (trafilatura, offline).

Feeds are parsed by feedparser from the raw bytes (it reads the XML declaration, so a GB2312 feed
decodes); a feed that declares entities is refused before parsing (no entity expansion, however
the parser is configured). HTML goes through `decode.decode` first. Anything unparseable raises
`Unparseable` with the reason the source's page shows ("garbage_html: no article text").
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from hotline.opinion.decode import decode

MIN_TEXT = 20  # characters: less than this is a navigation stub, not an article
MAX_TEXT = 20_000
_ENTITY = re.compile(rb"<!ENTITY", re.I)
_SPACE = re.compile(r"[ \t\r\f\v\u3000]+")


class Unparseable(Exception):
    """The body is not what the source should serve; the message is the reason shown."""


@dataclass(frozen=True)
class Entry:
    guid: str
    url: str
    title: str
    text: str
    published_at: datetime | None
    encoding: str | None = None
    encoding_flag: str | None = None


def clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    lines = (_SPACE.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)[:MAX_TEXT]


def html_text(fragment: str) -> str:
    if "<" not in fragment:
        return clean(fragment)
    try:
        return clean(lxml.html.fromstring(fragment).text_content())
    except (etree.ParserError, ValueError):
        return clean(re.sub(r"<[^>]*>", " ", fragment))


def _when(parsed: Any) -> datetime | None:
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def feed_entries(body: bytes, content_type: str | None, base_url: str) -> list[Entry]:
    if _ENTITY.search(body):
        raise Unparseable("feed declares XML entities (refused)")
    import feedparser  # loaded on first use, not by every process that imports the routers

    parsed = feedparser.parse(body, response_headers={"content-type": content_type or "application/xml"})
    if not parsed.entries:
        if parsed.get("bozo"):
            raise Unparseable(f"garbage_feed: {type(parsed.get('bozo_exception')).__name__}")
        return []
    encoding = parsed.get("encoding")
    out = []
    for e in parsed.entries:
        link = urljoin(base_url, e.get("link") or "")
        guid = (e.get("id") or link or e.get("title") or "")[:500]
        if not guid:
            continue
        content = e.get("content")
        body_html = content[0].get("value", "") if content else e.get("summary", "")
        out.append(
            Entry(
                guid=guid,
                url=link[:1000],
                title=html_text(e.get("title", ""))[:300] or "(无标题)",
                text=html_text(body_html),
                published_at=_when(e.get("published_parsed") or e.get("updated_parsed")),
                encoding=encoding,
            )
        )
    return out


def article_links(body: bytes, content_type: str | None, base_url: str, limit: int = 30) -> list[str]:
    """Links on a list page that look like articles: same host, anchor text of a headline's
    length, not the list page itself; in page order, each once."""
    text = decode(body, content_type).text
    try:
        doc = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise Unparseable("garbage_html: not a page") from exc
    host = urlsplit(base_url).netloc
    seen: set[str] = set()
    out: list[str] = []
    for a in doc.iter("a"):
        href = a.get("href")
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        url = urljoin(base_url, href).split("#", 1)[0]
        title = clean(a.text_content())
        if urlsplit(url).netloc != host or url == base_url or len(title) < 6 or url in seen:
            continue
        seen.add(url)
        out.append(url)
        if len(out) >= limit:
            break
    return out


def article(body: bytes, content_type: str | None, url: str) -> Entry:
    import trafilatura  # loaded on first use (as feedparser above)

    decoded = decode(body, content_type)
    try:
        doc = trafilatura.bare_extraction(decoded.text, url=url, with_metadata=True, include_comments=False)
    except (etree.ParserError, ValueError) as exc:  # trafilatura passes lxml's complaints on
        raise Unparseable("garbage_html: not a page") from exc
    text = clean(getattr(doc, "text", None) or "") if doc is not None else ""
    if len(text) < MIN_TEXT:
        raise Unparseable("garbage_html: no article text")
    title = clean(getattr(doc, "title", None) or "") or text.splitlines()[0]
    published = None
    if date := getattr(doc, "date", None):
        try:
            published = datetime.fromisoformat(date).replace(tzinfo=UTC)
        except ValueError:
            published = None
    return Entry(url, url, title[:300], text, published, decoded.encoding, decoded.flag)
