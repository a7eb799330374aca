"""Chinese text search over work orders: a jieba token table, the same on SQLite and PostgreSQL.

Why a token table (`workorder_tokens(token, workorder_id)`, primary key in that order) and not
FTS5 / tsvector: PostgreSQL has no Chinese parser in Debian and pg_trgm cannot index 2-character
words (低保, 养老); FTS5 `trigram` has the same hole and FTS5 exists only on SQLite. One table
works on both, is written by the same service call in the same transaction as the order (so the
index is never stale or ahead), and answers the question the console asks — "newest orders
containing all these words" — with a backward scan of one token's primary-key range, probing the
other tokens by primary key, stopping after `limit` hits.

Indexing uses `jieba.cut_for_search` (words plus their dictionary sub-words: 养老院 also yields
养老), queries use `jieba.cut` words, so a query word matches both as a word and inside a longer
one. The rarest query word drives the scan (counts capped, so estimating costs little).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import jieba
from sqlalchemy import delete, exists, func, insert, select
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
RARITY_CAP = 20_000

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


def _estimate(session: Session, token: str) -> int:
    sub = select(SearchToken.workorder_id).where(SearchToken.token == token).limit(RARITY_CAP).subquery()
    return int(session.scalar(select(func.count()).select_from(sub)) or 0)


def restrict(session: Session, stmt: Select[Any], text: str) -> tuple[Select[Any], Any]:
    """Add 'contains all words of `text`' to a select of WorkOrder; also returns the driver's order
    id column, which callers must order by (newest first = a backward primary-key range scan; the
    planners do not see that it equals workorders.id for ordering)."""
    toks = query_tokens(text)
    if not toks:
        return stmt, WorkOrder.id
    if len(toks) > 1:
        toks.sort(key=lambda t: _estimate(session, t))
    driver = aliased(SearchToken)
    stmt = stmt.join(driver, driver.workorder_id == WorkOrder.id).where(driver.token == toks[0])
    for tok in toks[1:]:
        other = aliased(SearchToken)
        stmt = stmt.where(exists().where(other.token == tok, other.workorder_id == driver.workorder_id))
    return stmt, driver.workorder_id


def search_ids(session: Session, text: str, limit: int = 50) -> list[int]:
    """Newest order ids containing every word of `text` (the bench and assistance use this)."""
    toks = query_tokens(text)
    if not toks:
        return []
    if len(toks) > 1:
        toks.sort(key=lambda t: _estimate(session, t))
    driver = aliased(SearchToken)
    stmt = select(driver.workorder_id).where(driver.token == toks[0])
    for tok in toks[1:]:
        other = aliased(SearchToken)
        stmt = stmt.where(exists().where(other.token == tok, other.workorder_id == driver.workorder_id))
    stmt = stmt.order_by(driver.workorder_id.desc()).limit(limit)
    return list(session.scalars(stmt))
