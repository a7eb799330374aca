"""Real-shaped content for the local site: an RSS 2.0 feed (UTF-8), an Atom feed, an RSS feed in
GB2312, a portal's list page and articles in GBK (one mislabelled), and broken HTML."""

from __future__ import annotations

STORY = (
    "近日，有网友在论坛发帖曝光，称东城区某养老院护工虐待老人，视频显示护工推搡一名八旬老人。"
    "家属表示多次向院方投诉无果，希望有关部门介入调查。记者联系该养老院，工作人员称正在核实。"
    "区民政局回应称已成立调查组，将依法依规处理，并对全区养老机构开展安全检查。"
)


def rss(items: list[tuple[str, str, str]], encoding: str = "utf-8") -> bytes:
    """RSS 2.0 as a news portal serves it: (guid, title, description) per item."""
    body = "".join(
        f"""
    <item>
      <title>{title}</title>
      <link>http://news.example.cn/{guid}.html</link>
      <guid isPermaLink="false">{guid}</guid>
      <pubDate>Thu, 03 Dec 2026 08:{i:02d}:00 +0800</pubDate>
      <description><![CDATA[<p>{desc}</p>]]></description>
    </item>"""
        for i, (guid, title, desc) in enumerate(items)
    )
    text = f"""<?xml version="1.0" encoding="{encoding}"?>
<rss version="2.0">
  <channel>
    <title>民生新闻</title>
    <link>http://news.example.cn/</link>
    <description>本地民生</description>
    <language>zh-cn</language>{body}
  </channel>
</rss>
"""
    return text.encode("gb18030" if encoding.lower() in ("gb2312", "gbk", "gb18030") else encoding)


def atom(entries: list[tuple[str, str, str]]) -> bytes:
    body = "".join(
        f"""
  <entry>
    <id>tag:blog.example.cn,2026:{eid}</id>
    <title>{title}</title>
    <link href="http://blog.example.cn/{eid}"/>
    <updated>2026-12-03T09:00:00+08:00</updated>
    <content type="html">&lt;p&gt;{text}&lt;/p&gt;</content>
  </entry>"""
        for eid, title, text in entries
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>社区博客</title>
  <id>tag:blog.example.cn,2026:feed</id>
  <updated>2026-12-03T09:00:00+08:00</updated>{body}
</feed>
""".encode()


def list_page(links: list[tuple[str, str]], charset: str = "gb2312") -> bytes:
    anchors = "\n".join(
        f'<li><a href="{href}">{title}</a><span>2026-12-03</span></li>' for href, title in links
    )
    html = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">
<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>新闻中心</title></head>
<body><div class="nav"><a href="/">首页</a> | <a href="/news/">新闻中心</a> |
<a href="/about">关于我们</a></div>
<div class="list"><ul>
{anchors}
</ul></div>
<div class="footer">版权所有 某区融媒体中心 京ICP备00000000号</div></body></html>"""
    return html.encode("gb18030")


def article_page(title: str, paragraphs: list[str], charset: str | None = "gbk") -> bytes:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    paras = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = f"""<html><head>{meta}<title>{title}_新闻中心</title></head>
<body><div class="nav"><a href="/">首页</a> &gt; <a href="/news/">新闻中心</a></div>
<div class="article"><h1>{title}</h1><div class="info">来源：区融媒体中心 发布时间：2026-12-03 10:20</div>
<div class="content">{paras}</div></div>
<div class="share">分享到：微信 微博</div><div class="footer">版权所有</div></body></html>"""
    return html.encode("gb18030")


BROKEN_HTML = b"<html><body><div><p>\x00\x01\x02 <<<>>> </div></table></body>" + bytes(range(128, 256)) * 4
