"""Search and as-you-type suggestions over the tantivy index: query building, filters, re-ranking
and highlighting.

Two stages. Retrieval: tantivy BM25 over character bigrams of the query, weighted per field
(title > question variants > tags > synonyms > body), as a pure disjunction of term queries
(fast: block-max WAND); filters (served, valid at `now`, category subtree, region, state) are
checked on each candidate's stored record, or put in the query when explicit or when too few
candidates survive. Re-ranking of the top candidates in Python: how much of the query and its
synonym rewrites the title and question variants cover, exact containment, pinyin-initial prefix
match, (for question-like queries) semantic similarity to the question variants, and how often
agents answered calls with the article. With an embedding cache and a question-like query, a
knowledge base of up to a few thousand articles is also searched by meaning (all question
variants in one matrix), so a caller's words that share no characters with the article still
find it. Served-and-valid is always checked on the stored record, so an expired article cannot
come back, from any path or a stale index.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import tantivy

from hotline.knowledge import semantic, textproc
from hotline.knowledge.index import FOREVER, TEXT_FIELDS, KnowledgeIndex
from hotline.store.base import utcnow

Occur = tantivy.Occur
Q = tantivy.Query
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass
class Filters:
    category: str | None = None
    region: str | None = None
    state: str | None = None
    # Agents see only served, currently valid articles; writers may search everything.
    served_only: bool = True


@dataclass
class Hit:
    id: int
    score: float
    data: dict[str, Any]
    title_hl: str = ""
    snippet: str = ""
    reasons: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str(self.data.get("title", ""))


@dataclass
class Weights:
    bm25: float = 1.0
    coverage: float = 1.0
    title_coverage: float = 0.6
    exact: float = 0.6
    pinyin: float = 1.5
    semantic: float = 1.2
    # Learned from calls (uses and votes), relative to the best-used candidate: a tie-breaker.
    popularity: float = 0.3


WEIGHTS = Weights()


def _filter_clauses(idx: KnowledgeIndex, f: Filters, now: datetime) -> list[tuple[Any, Any]]:
    s = idx.schema
    out: list[tuple[Any, Any]] = []
    if f.served_only:
        ts = int(now.timestamp())
        out.append((Occur.Must, Q.term_query(s, "served", 1)))
        out.append((Occur.Must, Q.range_query(s, "vfrom", tantivy.FieldType.Integer, None, ts)))
        out.append((Occur.Must, Q.range_query(s, "vuntil", tantivy.FieldType.Integer, ts, None, False)))
    if f.category:
        out.append((Occur.Must, Q.term_query(s, "cat", f.category.strip("/"))))
    if f.region:
        # A city-wide article applies in every district.
        regions = [(Occur.Should, Q.term_query(s, "region", r)) for r in {f.region, "全市"}]
        out.append((Occur.Must, Q.boolean_query(regions)))
    if f.state:
        out.append((Occur.Must, Q.term_query(s, "state", f.state)))
    return out


MAX_GRAMS = 16
SEMANTIC_MIN_CHARS = 4
BODY_MAX_GRAMS = 4


def _phrase(schema: tantivy.Schema, name: str, grams: list[str]) -> tantivy.Query:
    words: list[str | tuple[int, str]] = list(grams)
    return Q.phrase_query(schema, name, words)


def _text_clauses(idx: KnowledgeIndex, norm: str, fields: dict[str, float]) -> list[tuple[Any, Any]]:
    """A pure disjunction of boosted term queries (tantivy scores it with block-max WAND).

    Synonym rewrites are not sent: the synonym field already holds every member of each group an
    article uses; the re-ranker scores the rewrites. Phrase queries are not sent either (they cost
    ~10 ms at 100,000 articles); exact containment is a re-ranking feature instead.
    """
    s = idx.schema
    letters = norm.replace(" ", "")
    if textproc.is_pinyin_query(norm):
        grams = textproc.letter_bigrams(letters)
        clauses = [(Occur.Should, Q.term_query(s, "py", g)) for g in dict.fromkeys(grams)]
        if len(grams) > 1:
            clauses.append((Occur.Should, Q.boost_query(_phrase(s, "py", grams), 4.0)))
        return clauses
    if len(letters) == 1:
        return [(Occur.Should, Q.term_query(s, "uni", letters))]
    grams = list(dict.fromkeys(textproc.bigrams(norm)))[:MAX_GRAMS]
    clauses = []
    for name, weight in fields.items():
        if name == "body" and len(grams) > BODY_MAX_GRAMS:
            continue  # long questions carry enough signal in titles and question variants
        clauses.extend((Occur.Should, Q.boost_query(Q.term_query(s, name, g), weight)) for g in grams)
    return clauses


def _coverage(grams: list[str], text: str) -> float:
    if not grams:
        return 0.0
    return sum(1 for g in grams if g in text) / len(grams)


def _pinyin_score(letters: str, parts: list[str]) -> float:
    best = 0.0
    for p in parts:
        if p.startswith(letters):
            best = max(best, 1.0 if len(p) - len(letters) <= 2 else 0.9)
        elif letters in p:
            best = max(best, 0.6)
    return best


def _pinyin_highlight(title: str, letters: str) -> str:
    chars = [(i, c) for i, c in enumerate(title) if _CJK.match(c)]
    ini = textproc.initials(title)
    pos = ini.find(letters) if len(ini) == len(chars) else -1
    if pos < 0:
        return textproc.highlight(title, [], width=200)
    start, end = chars[pos][0], chars[pos + len(letters) - 1][0] + 1
    return textproc.highlight(title, [title[start:end].lower()], width=200)


def alive(data: dict[str, Any], now: datetime) -> bool:
    until = data.get("valid_until")
    return bool(data.get("served")) and (until is None or until > int(now.timestamp()))


def _quoted(query: str) -> list[str]:
    return [textproc.normalize(p) for p in re.findall(r'["“”]([^"“”]+)["“”]', query) if p.strip()]


def _collect(
    searcher: Any, q: Any, n: int, filters: Filters, now: datetime, phrases: list[str]
) -> tuple[list[Hit], bool]:
    """Hits for `q` that pass the served/valid check and quoted phrases; whether the page was full."""
    result = searcher.search(q, limit=n, count=False)
    hits: list[Hit] = []
    for score, addr in result.hits:
        doc = searcher.doc(addr)
        data = json.loads(bytes(doc["data"][0]))
        if filters.served_only and not alive(data, now):
            continue
        if phrases:
            # A quoted phrase must appear in the title, a question variant or the answer script.
            texts = [*data.get("nphr", []), textproc.normalize(str(data.get("answer_short", "")))]
            if not all(any(p in x for x in texts) for p in phrases):
                continue
        hits.append(Hit(int(doc["id"][0]), float(score), data))
    return hits, len(result.hits) >= n


def run(
    idx: KnowledgeIndex,
    query: str,
    filters: Filters | None = None,
    now: datetime | None = None,
    limit: int = 10,
    candidates: int = 40,
    fields: dict[str, float] | None = None,
    cache: semantic.EmbeddingCache | None = None,
    weights: Weights = WEIGHTS,
) -> tuple[list[Hit], int]:
    """Ranked hits and how many candidates were considered.

    The text query runs unfiltered first and served/valid is checked on the stored records (a
    filtered query loses block-max WAND and costs ~10 ms more at 100,000 articles); when that
    leaves too few hits, or an explicit filter is given, the filtered query runs instead.
    """
    filters = filters or Filters()
    now = now or utcnow()
    fields = fields or TEXT_FIELDS
    norm = textproc.normalize(query)
    phrases = _quoted(query)
    text = _text_clauses(idx, norm, fields) if norm else []
    searcher = idx.index.searcher()
    n = max(limit, candidates) if norm else limit
    explicit = filters.category or filters.region or filters.state
    hits: list[Hit] = []
    full = True
    if text and not explicit:
        hits, full = _collect(searcher, Q.boolean_query(text), n, filters, now, phrases)
    if not text or explicit or (len(hits) < limit and full):
        must = _filter_clauses(idx, filters, now)
        if text:
            q = Q.boolean_query([*must, (Occur.Must, Q.boolean_query(text))])
        else:
            q = Q.boolean_query([*must, (Occur.Must, Q.all_query())]) if must else Q.all_query()
        hits, _ = _collect(searcher, q, n, filters, now, phrases)
    qvec = None
    if (
        cache is not None
        and not textproc.is_pinyin_query(norm)
        and len(_CJK.findall(norm)) >= SEMANTIC_MIN_CHARS
    ):
        qvec = semantic.encode_query(norm)
        hits += _semantic_hits(idx, searcher, qvec, cache, {h.id for h in hits}, filters, now, phrases)
    considered = len(hits)
    if norm and hits:
        _rerank(hits, norm, qvec, cache, weights)
    hits = hits[:limit]
    _decorate(hits, query, norm)
    return hits, considered


_SEMANTIC: dict[str, semantic.SemanticIndex] = {}
SEMANTIC_MAX_DOCS = 6_000
SEMANTIC_MIN_SIMILARITY = 0.33


def warm_semantic(idx: KnowledgeIndex, cache: semantic.EmbeddingCache) -> None:
    """Bring the in-memory meaning index up to the current documents (encoding new phrases)."""
    sem = _SEMANTIC.setdefault(str(idx.path), semantic.SemanticIndex())
    try:
        generation = idx.generation
        searcher = idx.index.searcher()
        if searcher.num_docs > SEMANTIC_MAX_DOCS:
            return
        everything = max(1, searcher.num_docs)
        served = searcher.search(Q.term_query(idx.schema, "served", 1), limit=everything, count=False)
        pairs: list[tuple[int, str]] = []
        for _, addr in served.hits:
            doc = searcher.doc(addr)
            data = json.loads(bytes(doc["data"][0]))
            pairs.extend((int(doc["id"][0]), p) for p in data.get("nphr", []))
        sem.refresh(generation, pairs, cache)
    finally:
        sem.building = False


def _matches(data: dict[str, Any], f: Filters) -> bool:
    cat = str(data.get("category", ""))
    if f.category and not (cat == f.category.strip("/") or cat.startswith(f.category.strip("/") + "/")):
        return False
    if f.region and data.get("region") not in (f.region, "全市"):
        return False
    return not (f.state and data.get("state") != f.state)


def _semantic_hits(
    idx: KnowledgeIndex,
    searcher: Any,
    qvec: Any,
    cache: semantic.EmbeddingCache,
    have: set[int],
    filters: Filters,
    now: datetime,
    phrases: list[str],
) -> list[Hit]:
    """Served articles whose questions are close in meaning, when the knowledge base is small
    enough to keep them all in memory (see semantic.SemanticIndex)."""
    if searcher.num_docs > SEMANTIC_MAX_DOCS:
        return []
    sem = _SEMANTIC.setdefault(str(idx.path), semantic.SemanticIndex())
    if sem.generation != idx.generation and not sem.building:
        # Re-encoding can take a while (every new phrase; tens of seconds for a fresh cache of
        # thousands of articles): do it in the background and answer from the last matrix.
        sem.building = True
        threading.Thread(target=warm_semantic, args=(idx, cache), daemon=True).start()
    ids = [i for i, _ in sem.nearest(qvec, 10, SEMANTIC_MIN_SIMILARITY) if i not in have]
    if not ids:
        return []
    q = Q.boolean_query([(Occur.Should, Q.term_query(idx.schema, "id", i)) for i in ids])
    found, _ = _collect(searcher, q, len(ids), filters, now, phrases)
    # Retrieved by meaning only: no full-text score, the re-ranker's semantic feature decides.
    return [Hit(h.id, 0.0, h.data) for h in found if _matches(h.data, filters)]


def _rerank(hits: list[Hit], norm: str, qvec: Any, cache: semantic.EmbeddingCache | None, w: Weights) -> None:
    top = max(h.score for h in hits) or 1.0
    letters = norm.replace(" ", "")
    pinyin = textproc.is_pinyin_query(norm)
    variants = []
    if not pinyin:
        for i, v in enumerate(textproc.query_variants(norm)):
            grams = textproc.bigrams(v) if len(v) > 1 else [v]
            variants.append((1.0 if i == 0 else 0.85, v, grams))
    if qvec is not None and cache is not None:
        vectors = cache.get_many([t for h in hits for t in h.data.get("nphr", [])])
    top_pop = math.log1p(max(int(h.data.get("pop", 0)) for h in hits))
    for h in hits:
        phrases: list[str] = h.data.get("nphr", [])
        title = phrases[0] if phrases else ""
        joined = " | ".join(phrases)
        score = w.bm25 * h.score / top
        if pinyin:
            score += w.pinyin * _pinyin_score(letters, h.data.get("py", []))
        else:
            cov = tcov = exact = 0.0
            for k, v, grams in variants:
                cov = max(cov, k * _coverage(grams, joined))
                tcov = max(tcov, k * _coverage(grams, title))
                if v in joined:
                    exact = max(exact, k)
            score += w.coverage * cov + w.title_coverage * tcov + w.exact * exact
            if qvec is not None and cache is not None:
                vecs = [vectors[t] for t in phrases if t in vectors]
                score += w.semantic * max(0.0, semantic.best_similarity(qvec, vecs))
        if top_pop > 0:
            score += w.popularity * math.log1p(int(h.data.get("pop", 0))) / top_pop
        h.score = score
    hits.sort(key=lambda h: (-h.score, h.id))


def _highlight_terms(query: str, norm: str) -> list[str]:
    terms = {w for w in textproc.words(query) if len(w) > 1 or len(norm) == 1}
    for v in textproc.query_variants(norm):
        terms.update(v.split())
    return sorted(terms, key=len, reverse=True)


def _decorate(hits: list[Hit], query: str, norm: str) -> None:
    pinyin = bool(norm) and textproc.is_pinyin_query(norm)
    terms = _highlight_terms(query, norm) if norm and not pinyin else []
    for h in hits:
        answer = str(h.data.get("answer_short", ""))
        if pinyin:
            h.title_hl = _pinyin_highlight(h.title, norm.replace(" ", ""))
        else:
            h.title_hl = textproc.highlight(h.title, terms, width=200)
        h.snippet = textproc.highlight(answer, terms)


SUGGEST_FIELDS = {"title": 3.0, "q": 2.0, "syn": 1.0, "tag": 1.5}


def suggest(
    idx: KnowledgeIndex,
    prefix: str,
    filters: Filters | None = None,
    now: datetime | None = None,
    limit: int = 8,
) -> list[Hit]:
    """As-you-type: served, currently valid titles only; bigram OR tolerates a mistyped character."""
    filters = dataclasses.replace(filters or Filters(), served_only=True)
    if not textproc.normalize(prefix):
        return []
    hits, _ = run(idx, prefix, filters, now, limit=limit, candidates=limit + 4, fields=SUGGEST_FIELDS)
    return hits


__all__ = ["FOREVER", "Filters", "Hit", "run", "suggest"]
