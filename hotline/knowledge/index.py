"""The tantivy full-text index of articles, on disk under `data_dir/knowledge-index/<db>`, and how it
is kept consistent with the database.

Why tantivy (RESEARCH.md, 100,000 sentences, 2 cores): 0.34 s to index and 0.01–0.36 ms per query
with an n-gram tokenizer, against 2.4 s + 0.3–4.7 ms for jieba + SQLite FTS5; SQLite's trigram
tokenizer silently returns nothing for 2-character queries (低保, 养老) and PostgreSQL in Debian has
no Chinese parser, so neither database can do it alone and both must be supported anyway. Text is
normalized like queries are (`textproc.normalize`) and cut by tantivy's n-gram tokenizer into
character bigrams (title, question variants, synonyms, tags, body: 2-character queries such as 低保
hit directly) and unigrams (a separate field, for 1-character queries). Pinyin initials of titles,
questions and synonyms go, pre-cut into letter bigrams with their positions, into a field where a
phrase query finds "dbsq" inside "zdshbzdbsqtj". Query words (jieba) serve highlighting only:
words would make the index depend on where a segmenter cuts, n-grams do not.

Consistency: the database is the truth. Every article change writes an `IndexOutbox` row in the
same transaction; `catch_up` applies rows above the marker kept in `state.json` (written after the
tantivy commit), so a crash at any point only leaves work for the next catch-up, which runs at
startup and before every search. A missing or unreadable index, a marker ahead of the database
(restored backup) or a document count that disagrees triggers `rebuild`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import tantivy
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from hotline.knowledge import textproc
from hotline.knowledge.content import served_content
from hotline.knowledge.models import Article, ArticleEvent, IndexOutbox, KnowledgeMeta
from hotline.store.base import utcnow

# Bump when the schema or how text is cut changes: an index in an older format is rebuilt.
SCHEMA_VERSION = 6
TEXT_FIELDS = {"title": 3.0, "q": 2.5, "syn": 1.2, "tag": 2.0, "body": 0.6}
FOREVER = 2**62
_GENERATIONS = itertools.count(1)


def _ts(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return int(value.timestamp())


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_integer_field("id", stored=True, indexed=True, fast=True)
    for name in TEXT_FIELDS:
        # Character bigrams, cut by tantivy itself from the normalized text.
        b.add_text_field(name, tokenizer_name="bi")
    b.add_text_field("uni", tokenizer_name="uni", index_option="freq")
    b.add_text_field("py", tokenizer_name="ws")
    for name in ("cat", "region", "state"):
        b.add_text_field(name, tokenizer_name="raw", index_option="basic")
    b.add_integer_field("served", indexed=True, fast=True)
    b.add_integer_field("vfrom", indexed=True, fast=True)
    b.add_integer_field("vuntil", indexed=True, fast=True)
    b.add_bytes_field("data", stored=True)
    return b.build()


@dataclass
class IndexDoc:
    """What the index keeps per article: the tokens, the filters and a small stored record."""

    id: int
    fields: dict[str, str]
    cats: list[str]
    region: str
    state: str
    served: bool
    vfrom: int
    vuntil: int
    data: dict[str, Any]


def build_doc(article: Article, content: dict[str, Any], served: bool, popularity: int = 0) -> IndexDoc:
    title = content.get("title", "")
    questions: list[str] = list(content.get("questions") or [])
    tags: list[str] = list(content.get("tags") or [])
    body = " ".join(
        str(content.get(k) or "")
        for k in ("answer_short", "answer_full", "eligibility", "materials", "procedure", "policy_basis")
    )
    syn = textproc.expansions(" ".join([title, *questions, *tags]))
    phrases = [title, *questions, *syn, *tags]
    py_parts = [textproc.initials(p) for p in phrases]
    cat = str(content.get("category") or "")
    parts = [p for p in cat.split("/") if p]
    cats = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    norm = textproc.normalize
    # Text goes to tantivy normalized (NFKC, lower case, punctuation to spaces, as queries are)
    # and tantivy's n-gram tokenizer cuts it: bigrams spanning a space never match a query.
    fields = {
        "title": norm(title),
        "q": " | ".join(norm(q) for q in questions),
        "syn": " | ".join(syn),
        "tag": " | ".join(norm(t) for t in tags),
        "body": norm(body),
        "uni": norm(" ".join([title, *questions, *tags, *syn])),
        # Pinyin initials are pre-cut (positions matter: "dbsq" is a phrase of letter bigrams).
        "py": " | ".join(" ".join(textproc.letter_bigrams(p)) for p in py_parts if p),
    }
    vfrom = _ts(content.get("valid_from"))
    vuntil = _ts(content.get("valid_until"))
    data = {
        "title": title,
        "questions": questions,
        # Normalized title and questions, for re-ranking without re-normalizing per query.
        "nphr": [textproc.normalize(x) for x in [title, *questions]],
        "answer_short": content.get("answer_short", ""),
        "category": cat,
        "region": content.get("region", ""),
        "state": article.state,
        "served": served,
        "valid_until": vuntil,
        "py": [p for p in py_parts if p],
        "pop": popularity,
    }
    return IndexDoc(
        article.id,
        fields,
        cats,
        str(content.get("region") or ""),
        article.state,
        served,
        vfrom if vfrom is not None else -FOREVER,
        vuntil if vuntil is not None else FOREVER,
        data,
    )


def popularity(session: Session, article_ids: list[int] | None = None) -> dict[int, int]:
    """How much calls relied on each article: uses plus helpful minus unhelpful votes (≥ 0).

    This is how the knowledge base learns from the calls: it is a re-ranking feature, so among
    articles that match a query equally well, the one agents actually answer with comes first.
    """
    weight = case(
        (ArticleEvent.kind == "use", 1),
        (ArticleEvent.kind == "vote_up", 1),
        (ArticleEvent.kind == "vote_down", -1),
        else_=0,
    )
    stmt = select(ArticleEvent.article_id, func.sum(weight)).group_by(ArticleEvent.article_id)
    if article_ids is not None:
        stmt = stmt.where(ArticleEvent.article_id.in_(article_ids))
    return {int(a): max(0, int(n or 0)) for a, n in session.execute(stmt)}


def doc_for(session: Session, article: Article, pop: dict[int, int] | None = None) -> IndexDoc:
    content, served = served_content(session, article)
    if pop is None:
        pop = popularity(session, [article.id])
    return build_doc(article, content, served, pop.get(article.id, 0))


class KnowledgeIndex:
    """One on-disk index; one per (data_dir, database) in the process, shared by all threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.schema = _schema()
        self.lock = threading.RLock()
        # Outbox ids applied recently (id -> when), see LATE_SECONDS.
        self.recent: dict[int, datetime] = {}
        self.verified = False
        # A new value on every change of the documents, unique in the process (semantic matrices
        # built from them compare it, also across a re-opened index).
        self.generation = next(_GENERATIONS)
        self._open()

    # --- storage -------------------------------------------------------------------------------

    def _open(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        state = self.read_state()
        fresh = state.get("schema") != SCHEMA_VERSION
        if fresh:
            self._wipe()
        try:
            self.index = tantivy.Index(self.schema, path=str(self.path), reuse=not fresh)
        except (ValueError, OSError):
            self._wipe()
            self.index = tantivy.Index(self.schema, path=str(self.path), reuse=False)
        self.index.register_tokenizer(
            "ws", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
        )
        for name, size in (("uni", 1), ("bi", 2)):
            grams = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.ngram(size, size, False))
            self.index.register_tokenizer(name, grams.filter(tantivy.Filter.lowercase()).build())
        if fresh:
            self.write_state({"schema": SCHEMA_VERSION, "outbox": -1})

    def _wipe(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self.path.mkdir(parents=True, exist_ok=True)

    @property
    def state_file(self) -> Path:
        return self.path / "state.json"

    def read_state(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self.state_file.read_text())
            return data
        except (OSError, ValueError):
            return {}

    def write_state(self, state: dict[str, Any]) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        os.replace(tmp, self.state_file)

    @property
    def marker(self) -> int:
        return int(self.read_state().get("outbox", -1))

    # --- writing -------------------------------------------------------------------------------

    def tdoc(self, d: IndexDoc) -> tantivy.Document:
        doc = tantivy.Document()
        doc.add_integer("id", d.id)
        for name, text in d.fields.items():
            doc.add_text(name, text)
        for c in d.cats:
            doc.add_text("cat", c)
        doc.add_text("region", d.region)
        doc.add_text("state", d.state)
        doc.add_integer("served", 1 if d.served else 0)
        doc.add_integer("vfrom", d.vfrom)
        doc.add_integer("vuntil", d.vuntil)
        doc.add_bytes("data", json.dumps(d.data, ensure_ascii=False).encode())
        return doc

    def apply(self, docs: list[IndexDoc], deleted: list[int], outbox: int, heap: int = 30_000_000) -> None:
        """Replace/delete documents and move the marker, in one tantivy commit."""
        with self.lock:
            writer = self.index.writer(heap_size=heap, num_threads=1)
            for article_id in [*deleted, *(d.id for d in docs)]:
                writer.delete_documents_by_term("id", article_id)
            for d in docs:
                writer.add_document(self.tdoc(d))
            writer.commit()
            writer.wait_merging_threads()
            self.index.reload()
            self.generation = next(_GENERATIONS)
            state = self.read_state()
            state["outbox"] = max(outbox, int(state.get("outbox", -1)))
            self.write_state(state)

    def forget_before(self, since: datetime) -> None:
        for key in [k for k, at in self.recent.items() if at < since]:
            del self.recent[key]

    def num_docs(self) -> int:
        return int(self.index.searcher().num_docs)


_INDEXES: OrderedDict[Path, KnowledgeIndex] = OrderedDict()
_REGISTRY_LOCK = threading.Lock()
MAX_OPEN = 8


def index_path(data_dir: Path, database_url: str) -> Path:
    # One index per database: a data_dir shared by several databases (tests, a restored copy
    # next to the live one) must not mix their articles.
    key = hashlib.sha1(database_url.encode()).hexdigest()[:16]
    return Path(data_dir) / "knowledge-index" / key


def get_index(data_dir: Path, database_url: str) -> KnowledgeIndex:
    path = index_path(data_dir, database_url)
    with _REGISTRY_LOCK:
        idx = _INDEXES.get(path)
        if idx is None:
            idx = KnowledgeIndex(path)
            _INDEXES[path] = idx
            while len(_INDEXES) > MAX_OPEN:
                _INDEXES.popitem(last=False)
        _INDEXES.move_to_end(path)
        return idx


def forget_index(data_dir: Path, database_url: str) -> None:
    """Drop the process's handle (tests simulating a restart)."""
    with _REGISTRY_LOCK:
        _INDEXES.pop(index_path(data_dir, database_url), None)


# --- database side ---------------------------------------------------------------------------------


def mark_dirty(session: Session, article_id: int) -> None:
    """Record in the writer's transaction that this article's index document must be refreshed."""
    session.add(IndexOutbox(article_id=article_id))


def _pruned_upto(session: Session) -> int:
    row = session.get(KnowledgeMeta, "outbox_pruned_upto")
    return int(row.value) if row else -1


def rebuild_index(session: Session, idx: KnowledgeIndex, batch: int = 2000) -> int:
    """Re-create every document from the database in one commit; returns the number indexed."""
    with idx.lock:
        top = session.scalar(select(func.max(IndexOutbox.id))) or 0
        writer = idx.index.writer(heap_size=200_000_000, num_threads=2)
        writer.delete_all_documents()
        pop = popularity(session)
        count = 0
        last_id = 0
        while True:
            rows = list(
                session.scalars(select(Article).where(Article.id > last_id).order_by(Article.id).limit(batch))
            )
            if not rows:
                break
            for a in rows:
                writer.add_document(idx.tdoc(doc_for(session, a, pop)))
            count += len(rows)
            last_id = rows[-1].id
            session.expunge_all()
        writer.commit()
        writer.wait_merging_threads()
        idx.index.reload()
        idx.write_state({"schema": SCHEMA_VERSION, "outbox": top})
        idx.recent.clear()
        idx.generation = next(_GENERATIONS)
        # Rows inside the late window that the rebuild already covers need no second pass.
        now = utcnow()
        window = select(IndexOutbox.id).where(
            IndexOutbox.id <= top, IndexOutbox.at > now - timedelta(seconds=LATE_SECONDS)
        )
        idx.recent.update(dict.fromkeys(session.scalars(window), now))
        return count


# Outbox rows committed out of id order (PostgreSQL sequences) are caught by re-reading the last
# LATE_SECONDS of rows; ids already applied in that window are remembered in memory.
LATE_SECONDS = 60


def catch_up(session: Session, idx: KnowledgeIndex, check_count: bool = False) -> int:
    """Apply outbox rows not yet in the index; rebuild when the index cannot be trusted.

    Returns how many articles were (re)indexed.
    """
    top = session.scalar(select(func.max(IndexOutbox.id))) or 0
    marker = idx.marker
    if marker > top or marker < _pruned_upto(session):
        return rebuild_index(session, idx)
    # The first catch-up of a process (its "startup") also compares document counts.
    check_count = check_count or not idx.verified
    idx.verified = True
    if check_count:
        total = session.scalar(select(func.count(Article.id))) or 0
        if total != idx.num_docs():
            return rebuild_index(session, idx)
    now = utcnow()
    since = now - timedelta(seconds=LATE_SECONDS)
    rows = session.execute(
        select(IndexOutbox.id, IndexOutbox.article_id).where(
            or_(IndexOutbox.id > marker, IndexOutbox.at > since)
        )
    ).all()
    with idx.lock:
        idx.forget_before(since)
        todo = [(i, a) for i, a in rows if i not in idx.recent]
        if not todo:
            return 0
        ids = {a for _, a in todo}
        articles = list(session.scalars(select(Article).where(Article.id.in_(ids))))
        found = {a.id for a in articles}
        pop = popularity(session, sorted(found))
        idx.apply([doc_for(session, a, pop) for a in articles], sorted(ids - found), top)
        for i, _ in todo:
            idx.recent[i] = now
        return len(ids)


def prune_outbox(session: Session, keep: int = 10_000) -> None:
    """Delete old outbox rows, remembering how far, so a stale index elsewhere knows to rebuild."""
    top = session.scalar(select(func.max(IndexOutbox.id))) or 0
    cut = top - keep
    if cut <= 0:
        return
    session.query(IndexOutbox).filter(IndexOutbox.id <= cut).delete()
    row = session.get(KnowledgeMeta, "outbox_pruned_upto")
    if row is None:
        session.add(KnowledgeMeta(key="outbox_pruned_upto", value=str(cut)))
    else:
        row.value = str(max(cut, int(row.value)))
