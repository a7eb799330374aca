"""Chinese text search over work orders: a jieba token table, the same on SQLite and PostgreSQL.

Why a token table (`workorder_tokens(token, workorder_id)`, primary key in that order) and not
FTS5 / tsvector: PostgreSQL has no Chinese parser in Debian and pg_trgm cannot index 2-character
words (低保, 养老); FTS5 `trigram` has the same hole and FTS5 exists only on SQLite. One table
works on both, is written by the same service call in the same transaction as the order (so the
index is never stale or ahead), and answers the question the console asks — "newest orders
containing all these words" — from the primary key's sorted ranges, stopping once a page is
full (see `id_chunk` and `TextScan`).

Indexing uses `jieba.cut_for_search` (words plus their dictionary sub-words: 养老院 also yields
养老), queries use `jieba.cut` words, so a query word matches both as a word and inside a longer
one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import jieba
from sqlalchemy import delete, exists, insert, intersect, literal_column, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import Select

from hotline.workorders.models import SearchToken, WorkOrder

_KEEP = re.compile(r"[\w\u4e00-\u9fff]")
STOP = frozenset(
    [
        "的",
        "了",
        "是",
        "我",
        "你",
        "他",
        "她",
        "在",
        "和",
        "有",
        "也",
        "就",
        "都",
        "而",
        "及",
        "与",
        "着",
        "或",
        "一个",
        "没有",
        "我们",
        "请",
        "吗",
        "呢",
        "啊",
    ]
)
MAX_TOKEN = 32
MAX_SCAN = 100_000

jieba.setLogLevel(60)


def _clean(words: Iterable[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for w in words:
        w = w.strip().lower()
        if not w or w in STOP or not _KEEP.search(w) or len(w) > MAX_TOKEN or w in seen:
            continue
        seen.add(w)
        out.append(w)
    return out


def index_tokens(text: str) -> list[str]:
    """Distinct tokens stored for a text."""
    return _clean(jieba.cut_for_search(text))


def query_tokens(text: str) -> list[str]:
    return _clean(jieba.cut(text))


def order_text(order: WorkOrder) -> str:
    return f"{order.title}\n{order.content}\n{order.location or ''}\n{order.number}"


def reindex(session: Session, order: WorkOrder) -> None:
    """Replace the tokens of one order (call after any change of its text, same transaction)."""
    session.flush()
    session.execute(delete(SearchToken).where(SearchToken.workorder_id == order.id))
    toks = index_tokens(order_text(order))
    if toks:
        session.execute(insert(SearchToken), [{"token": t, "workorder_id": order.id} for t in toks])


def plan(session: Session, text: str) -> list[str]:
    """Query tokens, longest first: longer words are rarer, and on PostgreSQL the first token
    drives the scan. (Exact counts per token cost ~3 ms each at 1M orders, more than they save:
    PostgreSQL already merge-joins two sorted posting lists, SQLite merges its INTERSECT.)"""
    return sorted(query_tokens(text), key=len, reverse=True)


def id_chunk(session: Session, toks: list[str], before: int | None, n: int) -> list[int]:
    """The next `n` ids (descending, below `before`) of orders holding every token.

    One token: a backward range scan of its primary-key range. Several on SQLite: a compound
    INTERSECT, which SQLite runs as a merge of the sorted index ranges — linear in the lists even
    when the words never co-occur, stopping as soon as `n` ids are out. On PostgreSQL (whose
    INTERSECT hashes both lists whole) an EXISTS per other token, which its planner runs as a merge
    semi-join of the sorted posting lists (or key probes when the first token is rare).
    """

    def arm(tok: str) -> Select[Any]:
        stmt = select(SearchToken.workorder_id).where(SearchToken.token == tok)
        return stmt if before is None else stmt.where(SearchToken.workorder_id < before)

    if len(toks) == 1:
        stmt = arm(toks[0]).order_by(SearchToken.workorder_id.desc()).limit(n)
        return list(session.scalars(stmt))
    if session.get_bind().dialect.name == "sqlite":
        compound = intersect(*(arm(t) for t in toks)).order_by(literal_column("workorder_id").desc()).limit(n)
        return [int(r[0]) for r in session.execute(compound)]
    driver = aliased(SearchToken)
    stmt = select(driver.workorder_id).where(driver.token == toks[0])
    if before is not None:
        stmt = stmt.where(driver.workorder_id < before)
    for tok in toks[1:]:
        other = aliased(SearchToken)
        stmt = stmt.where(exists().where(other.token == tok, other.workorder_id == driver.workorder_id))
    return list(session.scalars(stmt.order_by(driver.workorder_id.desc()).limit(n)))


class TextScan:
    """Orders matching `toks` and `stmt`'s filters, newest first, fetched in growing id chunks.

    Filters are applied per chunk (`id IN (...)`), so a page costs a few chunks, not the whole
    posting list. After `max_scan` ids the scan stops; `before` then says where to resume (the
    page's cursor), so a rare filter on a common word cannot make one request unbounded.
    """

    def __init__(
        self, session: Session, stmt: Select[Any], toks: list[str], before: int | None = None
    ) -> None:
        self.session, self.stmt, self.toks = session, stmt, toks
        self.before = before
        self.capped = False

    def __iter__(self) -> Iterator[WorkOrder]:
        n, scanned = 64, 0
        while True:
            if scanned >= MAX_SCAN:
                self.capped = True
                return
            ids = id_chunk(self.session, self.toks, self.before, n)
            if not ids:
                return
            scanned += len(ids)
            rows = self.session.scalars(self.stmt.where(WorkOrder.id.in_(ids)).order_by(WorkOrder.id.desc()))
            yield from rows
            self.before = ids[-1]
            if len(ids) < n:
                return
            n = min(n * 4, 4096)


def search_ids(session: Session, text: str, limit: int = 50) -> list[int]:
    """Newest order ids containing every word of `text`."""
    toks = plan(session, text)
    return id_chunk(session, toks, None, limit) if toks else []
