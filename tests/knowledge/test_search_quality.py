"""Search quality on the demo knowledge base: the query set in search_set.json (≥100 real-style
questions, 1–2 character and pinyin-initial queries among them) with the article that must rank
first. Targets: recall@1 ≥ 0.8, recall@5 ≥ 0.95. bench/knowledge_quality.py prints the figures."""

from __future__ import annotations

import json
from pathlib import Path

from hotline.knowledge import index, search, semantic, usage
from hotline.knowledge.index import KnowledgeIndex
from hotline.store.db import Database
from tests.knowledge.helpers import ACTOR, fresh_index, load_demo

SEARCH_SET = Path(__file__).parent / "search_set.json"


def evaluate(
    idx: KnowledgeIndex, keys: dict[str, int], cache: semantic.EmbeddingCache | None
) -> dict[str, float]:
    queries = json.loads(SEARCH_SET.read_text(encoding="utf-8"))["queries"]
    at1 = at5 = 0
    for query, key in queries:
        ids = [h.id for h in search.run(idx, query, limit=5, cache=cache)[0]]
        at1 += ids[:1] == [keys[key]]
        at5 += keys[key] in ids
    return {"queries": len(queries), "recall@1": at1 / len(queries), "recall@5": at5 / len(queries)}


def test_search_set_is_big_enough() -> None:
    queries = json.loads(SEARCH_SET.read_text(encoding="utf-8"))["queries"]
    assert len(queries) >= 100
    assert any(len(q) <= 2 for q, _ in queries)
    assert sum(q.isascii() for q, _ in queries) >= 10


def test_recall(sqlite_db: Database, tmp_path: Path) -> None:
    keys = load_demo(sqlite_db)
    idx = fresh_index(sqlite_db, tmp_path)
    result = evaluate(idx, keys, semantic.EmbeddingCache(tmp_path / "emb"))
    print(result)
    assert result["recall@1"] >= 0.8
    assert result["recall@5"] >= 0.95


def test_highlight_and_filters(sqlite_db: Database, tmp_path: Path) -> None:
    keys = load_demo(sqlite_db)
    idx = fresh_index(sqlite_db, tmp_path)
    hits, _ = search.run(idx, "低保", limit=3)
    assert "<em>低保</em>" in hits[0].title_hl
    hits, _ = search.run(idx, "dbsqtj", limit=1)
    assert hits[0].id == keys["dibao_apply"] and "<em>" in hits[0].title_hl
    hits, _ = search.run(idx, "补贴", search.Filters(category="残疾人"), limit=20)
    assert hits and all(h.data["category"].startswith("残疾人") for h in hits)
    hits, _ = search.run(idx, '"离婚冷静期"', limit=1)
    assert hits[0].id == keys["lihun"]
    # Typo-tolerant suggestions: one wrong character still finds 高龄津贴.
    assert keys["gljt_apply"] in [h.id for h in search.suggest(idx, "高龄津帖")]


def test_learns_from_calls(sqlite_db: Database, tmp_path: Path) -> None:
    """Among articles matching a broad query equally, the one agents answer calls with rises."""
    keys = load_demo(sqlite_db)
    idx = fresh_index(sqlite_db, tmp_path)
    first = search.run(idx, "高龄津贴", limit=3)[0]
    siblings = {keys["gljt_apply"], keys["gljt_amount"], keys["gljt_stop"]}
    assert {h.id for h in first} == siblings
    chosen = next(h.id for h in first[1:])
    with sqlite_db.session() as s:
        for n in range(3):
            usage.mark_used(s, ACTOR, chosen, f"call-{n}")
    with sqlite_db.session() as s:
        index.catch_up(s, idx)
    assert search.run(idx, "高龄津贴", limit=3)[0][0].id == chosen


def test_semantic_retrieval_finds_what_shares_no_words(sqlite_db: Database, tmp_path: Path) -> None:
    keys = load_demo(sqlite_db)
    idx = fresh_index(sqlite_db, tmp_path)
    cache = semantic.EmbeddingCache(tmp_path / "emb")
    assert keys["shouyang"] not in [h.id for h in search.run(idx, "想领养个娃", limit=5)[0]]
    search.warm_semantic(idx, cache)  # the server does this in the background
    hits, _ = search.run(idx, "想领养个娃", limit=5, cache=cache)
    assert hits[0].id == keys["shouyang"]
    # Explicit filters hold for meaning-only candidates too.
    hits, _ = search.run(idx, "想领养个娃", search.Filters(category="养老"), limit=5, cache=cache)
    assert all(h.data["category"].startswith("养老") for h in hits)
