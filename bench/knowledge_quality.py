"""Search quality on the demo knowledge base with the repository's query set
(tests/knowledge/search_set.json): recall@1 and recall@5, overall and per kind of query.

Run: .venv/bin/python -m bench.knowledge_quality
Reference run in the same invocation: tantivy BM25 alone (re-ranking weights zeroed), so the table
shows what re-ranking and semantic matching add.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from hotline.audit.service import Actor
from hotline.knowledge import demo, index, search, semantic
from hotline.knowledge.models import Article
from hotline.store.db import Database
from hotline.store.migrate import upgrade

SEARCH_SET = Path(__file__).resolve().parents[1] / "tests" / "knowledge" / "search_set.json"


def kind(query: str) -> str:
    if query.isascii():
        return "pinyin initials"
    if len(query) <= 2:
        return "1-2 characters"
    return "words / questions"


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="kb-quality-"))
    url = f"sqlite:///{work / 'kb.db'}"
    upgrade(url)
    db = Database(url)
    with db.session() as s:
        demo.load(s, Actor(None, "bench"))
        by_title = {a.title: a.id for a in s.query(Article)}
    keys = {r["key"]: by_title[r["title"]] for r in demo.demo_articles()}
    idx = index.get_index(work / "data", url)
    with db.session() as s:
        index.rebuild_index(s, idx)
    cache = semantic.EmbeddingCache(work / "emb")
    queries = json.loads(SEARCH_SET.read_text(encoding="utf-8"))["queries"]
    bm25_only = search.Weights(coverage=0, title_coverage=0, exact=0, pinyin=0, semantic=0)
    runs: list[tuple[str, Callable[[str], list[int]]]] = [
        ("reference: BM25 only", lambda q: [h.id for h in search.run(idx, q, limit=5, weights=bm25_only)[0]]),
        ("BM25 + re-rank", lambda q: [h.id for h in search.run(idx, q, limit=5)[0]]),
        ("BM25 + re-rank + semantic", lambda q: [h.id for h in search.run(idx, q, limit=5, cache=cache)[0]]),
    ]
    kinds = sorted({kind(q) for q, _ in queries})
    print(f"search quality: {len(queries)} queries over {len(keys)} demo articles")
    print(f"{'ranking':<28}{'recall@1':>9}{'recall@5':>9}" + "".join(f"{k + ' @1':>22}" for k in kinds))
    for name, fn in runs:
        t = time.perf_counter()
        at1: dict[str, list[bool]] = {k: [] for k in kinds}
        at5 = []
        for q, key in queries:
            ids = fn(q)
            at1[kind(q)].append(ids[:1] == [keys[key]])
            at5.append(keys[key] in ids)
        total1 = sum(sum(v) for v in at1.values()) / len(queries)
        cols = "".join(f"{sum(at1[k]) / len(at1[k]):>16.2f} (n={len(at1[k]):>3})" for k in kinds)
        print(
            f"{name:<28}{total1:>9.3f}{sum(at5) / len(at5):>9.3f}{cols}   ({time.perf_counter() - t:.1f} s)"
        )


if __name__ == "__main__":
    main()
