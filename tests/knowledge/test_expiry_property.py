"""Property: whatever the valid-until dates and the clock, suggestions and agent searches never
return an expired (or not yet valid, or unpublished) article."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.knowledge import index, search, semantic
from hotline.knowledge.index import KnowledgeIndex, build_doc
from hotline.knowledge.models import Article

BASE = datetime(2026, 1, 1, tzinfo=UTC)
TITLES = ["高龄津贴申领", "高龄津贴标准", "低保申请条件", "低保标准", "残疾人证办理", "孤儿基本生活费"]
# The question-like ones (≥ 4 characters) also go through semantic retrieval and re-ranking.
QUERIES = ["高龄", "gljt", "低保", "残疾证", "孤", "津贴标准", "低保申", "高龄津贴怎么申请", "孩子没人养了"]

offsets = st.one_of(st.none(), st.integers(min_value=-400, max_value=400))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    untils=st.lists(offsets, min_size=len(TITLES), max_size=len(TITLES)),
    served=st.lists(st.booleans(), min_size=len(TITLES), max_size=len(TITLES)),
    clock_hours=st.integers(min_value=-500 * 24, max_value=500 * 24),
    query=st.sampled_from(QUERIES),
)
def test_expired_never_suggested(
    tmp_path: Path, untils: list[int | None], served: list[bool], clock_hours: int, query: str
) -> None:
    idx = _index(tmp_path)
    docs = []
    for i, (title, days, live) in enumerate(zip(TITLES, untils, served, strict=True)):
        article = Article(id=i + 1, state="published" if live else "draft")
        until = None if days is None else (BASE + timedelta(days=days)).isoformat()
        content = {"title": title, "questions": [title + "怎么办"], "category": "养老", "valid_until": until}
        docs.append(build_doc(article, content, live))
    idx.apply(docs, [], 0)
    now = BASE + timedelta(hours=clock_hours)
    valid = {
        i + 1
        for i, (days, live) in enumerate(zip(untils, served, strict=True))
        if live and (days is None or BASE + timedelta(days=days) > now)
    }
    got = {h.id for h in search.suggest(idx, query, now=now, limit=20)}
    got |= {h.id for h in search.run(idx, query, now=now, limit=20)[0]}
    search.warm_semantic(idx, _embeddings(tmp_path))
    got |= {h.id for h in search.run(idx, query, now=now, limit=20, cache=_embeddings(tmp_path))[0]}
    assert got <= valid


_cache: dict[str, KnowledgeIndex] = {}
_emb: dict[str, semantic.EmbeddingCache] = {}


def _embeddings(tmp_path: Path) -> semantic.EmbeddingCache:
    if "emb" not in _emb:
        _emb["emb"] = semantic.EmbeddingCache(tmp_path / "prop-emb")
    return _emb["emb"]


def _index(tmp_path: Path) -> KnowledgeIndex:
    # One index for all examples (each example replaces every document).
    if "idx" not in _cache:
        _cache["idx"] = index.KnowledgeIndex(tmp_path / "prop-index")
    return _cache["idx"]
