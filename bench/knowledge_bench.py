"""Knowledge search at scale: 100,000 synthetic articles built from the demo vocabulary.

Run: .venv/bin/python -m bench.knowledge_bench [--articles 100000] [--rounds 3]
Measures the full index rebuild from the database, search p50/p95/p99 (the agent's search box:
retrieval + re-ranking + highlighting, semantic re-ranking off and on), suggest-as-you-type
p50/p95/p99 over every prefix of the query set, and resident memory. Wall and CPU time are both
shown: the 2-core machine is shared with other work, so wall p95 includes waiting for a core.
The reference run, in the same invocation, is a bare single-term tantivy query on the same index
(the floor any search can reach). Targets (issue 6): search p95 < 20 ms, suggest p95 < 10 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tantivy
from sqlalchemy import insert

from hotline.knowledge import index, search, semantic
from hotline.knowledge.demo import demo_articles
from hotline.knowledge.models import Article
from hotline.store.db import Database
from hotline.store.migrate import upgrade

SEARCH_SET = Path(__file__).resolve().parents[1] / "tests" / "knowledge" / "search_set.json"
DISTRICTS = [
    "和平区",
    "河西区",
    "南开区",
    "红桥区",
    "东丽区",
    "西青区",
    "津南区",
    "北辰区",
    "武清区",
    "宝坻区",
]
EXTRA = ["（示例）", "办事指南", "常见问题", "政策解读", "操作口径", "补充说明", "问答", "最新"]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pct(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100)[int(q * 100) - 1] if len(samples) > 10 else max(samples)


def timed(fn: Callable[[str], object], inputs: list[str], cpu: list[float] | None = None) -> list[float]:
    """Wall milliseconds per call; CPU milliseconds of this process appended to `cpu` (the
    machine is shared, so wall time includes waiting for a core, CPU time does not)."""
    out = []
    for x in inputs:
        t, c = time.perf_counter(), time.process_time()
        fn(x)
        out.append((time.perf_counter() - t) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - c) * 1000)
    return out


def synthetic(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """n articles: each a demo article re-worded for a district, with mixed-in sentences."""
    rng = random.Random(seed)
    base = demo_articles()
    sentences = [s for a in base for s in a["answer_short"].split("。") if s]
    until = datetime(2030, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(n):
        a = base[i % len(base)]
        district = DISTRICTS[rng.randrange(len(DISTRICTS))]
        title = f"{district}{a['title']}{EXTRA[rng.randrange(len(EXTRA))]}{i}"
        questions = [f"{district}{q}" if rng.random() < 0.5 else q for q in a["questions"]]
        body = "。".join(rng.sample(sentences, 3))
        rows.append(
            {
                "title": title[:200],
                "questions": questions,
                "answer_short": a["answer_short"],
                "answer_full": body,
                "policy_basis": a.get("policy_basis", ""),
                "eligibility": a.get("eligibility", ""),
                "materials": a.get("materials", ""),
                "procedure": a.get("procedure", ""),
                "office": a.get("office", ""),
                "contact": a.get("contact", ""),
                "fees": a.get("fees", ""),
                "region": district,
                "category": a["category"],
                "tags": a.get("tags", []),
                "attachments": [],
                "related_ids": [],
                "remind_days": 30,
                "valid_until": until,
                "live_valid_until": until,
                "state": "published",
                "content_version": 1,
                "live_version": 1,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    load0 = f"{os.getloadavg()[0]:.1f}"
    work = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    url = f"sqlite:///{work / 'kb.db'}"
    upgrade(url)
    db = Database(url)
    rss0 = rss_mb()
    t = time.perf_counter()
    rows = synthetic(args.articles)
    with db.session() as s:
        for i in range(0, len(rows), 5000):
            s.execute(insert(Article), rows[i : i + 5000])
    load_s = time.perf_counter() - t
    del rows
    idx = index.get_index(work / "data", url)
    t, c0 = time.perf_counter(), time.process_time()
    with db.session() as s:
        count = index.rebuild_index(s, idx)
    rebuild_s, rebuild_cpu = time.perf_counter() - t, time.process_time() - c0
    rss_index = rss_mb()
    disk_mb = sum(p.stat().st_size for p in idx.path.rglob("*") if p.is_file()) / 2**20

    queries = [q for q, _ in json.loads(SEARCH_SET.read_text(encoding="utf-8"))["queries"]]
    prefixes = sorted({q[:i] for q in queries for i in range(1, len(q) + 1)})
    searcher = idx.index.searcher()
    term = tantivy.Query.term_query(idx.schema, "title", "低保")
    # Warm-up: jieba dictionary, pinyin tables, tantivy caches.
    for q in queries[:20]:
        search.run(idx, q)
        search.suggest(idx, q[:2])
    ref: list[float] = []
    plain: list[float] = []
    sugg: list[float] = []
    cpu: dict[str, list[float]] = {"ref": [], "plain": [], "sugg": [], "sem": []}
    for _ in range(args.rounds):
        ref += timed(lambda _q: searcher.search(term, limit=10), queries, cpu["ref"])
        plain += timed(lambda q: search.run(idx, q, limit=10), queries, cpu["plain"])
        sugg += timed(lambda q: search.suggest(idx, q, limit=8), prefixes, cpu["sugg"])
    cache = semantic.EmbeddingCache(work / "emb")
    for q in queries:  # warm the embedding cache: first-time encoding is a one-off per article
        search.run(idx, q, limit=10, cache=cache)
    sem = timed(lambda q: search.run(idx, q, limit=10, cache=cache), queries * args.rounds, cpu["sem"])
    rss_end = rss_mb()

    print(
        f"knowledge bench: {count:,} articles (SQLite insert {load_s:.1f} s), {len(queries)} queries, "
        f"{len(prefixes)} prefixes, {args.rounds} rounds"
    )
    print(f"load average at start {load0}, at end {os.getloadavg()[0]:.1f} (2 cores, shared)")
    head = f"{'operation':<42}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'× ref p50':>11}"
    print(head + f"{'CPU p50':>9}{'CPU p95':>9}")
    ref50 = statistics.median(ref)
    for name, xs, key in [
        ("reference: bare tantivy term query", ref, "ref"),
        ("search (full-text + re-rank + highlight)", plain, "plain"),
        ("search + semantic re-rank (warm cache)", sem, "sem"),
        ("suggest as-you-type (every prefix)", sugg, "sugg"),
    ]:
        cs = cpu[key]
        print(
            f"{name:<42}{statistics.median(xs):>9.2f}{pct(xs, 0.95):>9.2f}{pct(xs, 0.99):>9.2f}"
            f"{statistics.median(xs) / ref50:>11.0f}{statistics.median(cs):>9.2f}{pct(cs, 0.95):>9.2f}"
        )
    print(
        f"full index rebuild: {rebuild_s:.1f} s ({count / rebuild_s:,.0f} articles/s), "
        f"CPU {rebuild_cpu:.1f} s (all threads), index on disk {disk_mb:.0f} MB"
    )
    print(
        f"RSS: start {rss0:.0f} MB, after rebuild {rss_index:.0f} MB, end (with USE model) {rss_end:.0f} MB"
    )


if __name__ == "__main__":
    main()
