"""Ingestion throughput: items per hour on one core, fetched over HTTP with article extraction,
then grouped, matched, classified and scored.

A local site runs in another process (so its CPU is not counted): `--sources` list pages, each
linking `--per-page` article pages in GBK (portal-shaped HTML: navigation, the article, a share bar
and a footer), the texts from `bench/opinion_data.py` (half the stories reposted 1-4 times, so
grouping has real work). The run is `ingest.run` (robots.txt, conditional GET, raw bodies stored,
trafilatura extraction) then `process.process_pending` (MinHash grouping, rules, SnowNLP, risk,
alerts) on a fresh SQLite database, with the per-host pace set to 0 (a real run is paced by the
sites, not by the CPU). Reported: CPU seconds of this process (fetching threads included) and
items per CPU-hour, i.e. on one core. `python -m bench.opinion_ingest [--sources 10 --per-page 100]`.
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.opinion_data import corpus
from hotline.opinion import ingest, process, sentiment
from hotline.opinion.fetch import Fetcher
from hotline.opinion.models import OpinionRule, OpinionSource
from hotline.store.db import Database
from hotline.store.migrate import upgrade


def article_html(title: str, text: str) -> bytes:
    paras = "".join(f"<p>{p}。</p>" for p in text.split("。") if p)
    return (
        '<html><head><meta charset="gbk"><title>' + title + "_新闻中心</title></head><body>"
        '<div class="nav"><a href="/">首页</a> &gt; <a href="/news/">新闻中心</a> &gt; 正文</div>'
        f'<div class="article"><h1>{title}</h1><div class="info">来源：网络 2026-12-03</div>'
        f'<div class="content">{paras}</div></div><div class="share">分享到：微信 微博 QQ空间</div>'
        '<div class="footer">版权所有 © 2026 某区融媒体中心 京ICP备00000000号</div></body></html>'
    ).encode("gb18030")


def serve(port_out: multiprocessing.Queue, sources: int, per_page: int) -> None:  # type: ignore[type-arg]
    docs = corpus(stories=sources * per_page)[: sources * per_page]
    pages: dict[str, bytes] = {}
    for s in range(sources):
        links = []
        for k in range(per_page):
            d = docs[s * per_page + k]
            path = f"/s{s}/a{k}.html"
            pages[path] = article_html(d.title, d.text)
            links.append(f'<li><a href="{path}">{d.title}</a></li>')
        pages[f"/s{s}/"] = (
            '<html><head><meta charset="gbk"></head><body><ul>' + "".join(links) + "</ul></body></html>"
        ).encode("gb18030")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            body = pages.get(self.path)
            self.send_response(200 if body is not None else 404)
            body = body or b""
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_out.put(server.server_address[1])
    server.serve_forever()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sources", type=int, default=10)
    ap.add_argument("--per-page", type=int, default=100)
    args = ap.parse_args()
    q: multiprocessing.Queue[int] = multiprocessing.Queue()
    site = multiprocessing.Process(target=serve, args=(q, args.sources, args.per_page), daemon=True)
    site.start()
    port = q.get(timeout=60)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'ingest.db'}"
            upgrade(url)
            db = Database(url)
            with db.session() as s:
                for i in range(args.sources):
                    s.add(OpinionSource(name=f"s{i}", kind="page", url=f"http://127.0.0.1:{port}/s{i}/"))
                s.add(OpinionRule(name="养老", expression="(养老 OR 老人 OR 敬老) AND NOT 演习"))
                s.add(OpinionRule(name="质量", expression="质量 OR 服务"))
            fetcher = Fetcher(min_interval=0.0)
            wall, cpu = time.perf_counter(), time.process_time()
            report = ingest.run(db, fetcher, articles_per_page=args.per_page, workers=4)
            fetch_cpu, fetch_wall = time.process_time() - cpu, time.perf_counter() - wall
            # in this process (the product classifies in its worker process) so one CPU clock counts it all
            processed = process.process_pending(
                db, limit=10**9, classify=lambda t, x: sentiment.negative_here(sentiment.lead(t, x))
            )
            cpu_total, wall_total = time.process_time() - cpu, time.perf_counter() - wall
            db.dispose()
    finally:
        site.terminate()
    n = report.new_items
    print(
        f"items {n} from {args.sources} list pages "
        f"(failures: {[o.reason for o in report.outcomes if o.status != 'ok']})"
    )
    print(f"fetch + raw store + extraction: {fetch_cpu:.1f} s CPU ({fetch_wall:.1f} s wall)")
    print(
        f"processing (grouping, rules, sentiment, risk): {cpu_total - fetch_cpu:.1f} s CPU; "
        f"{processed.grouped} joined a story"
    )
    print(
        f"total {cpu_total:.1f} s CPU ({wall_total:.1f} s wall): "
        f"{n / cpu_total * 3600:,.0f} items per CPU-hour"
    )


if __name__ == "__main__":
    main()
