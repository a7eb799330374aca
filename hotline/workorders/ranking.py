"""Relevance order for work-order text search: BM25-like scores over the token table's weights.

A score is Σ idf(t) · w(k1+1)/(w+k1) over the query's tokens an order holds (required ones — all
present — and the ranking-only ones: the bigrams between the covering ones, jieba's whole words),
with w the stored weight (frequency, title thrice) and idf from posting counts capped at
`search.DF_CAP`; ties go newest first. There is no length normalisation: orders are short and
the token table keeps no lengths.

Scoring every match of a common word would cost its whole posting list, so a query ranks the
newest `RANK_WINDOW` matches (with the filters applied) and, past them, continues newest first —
what an agent looks for is nearly always recent. Pages are keyset: the cursor holds the window's
top id (orders created meanwhile do not shift later pages), then the last (score, id) seen, or
the id to continue below once the window is used up.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from hotline.store.pagination import decode_cursor, encode_cursor
from hotline.workorders.models import SearchToken, WorkOrder
from hotline.workorders.search import Plan, TextScan

T = TypeVar("T")
RANK_WINDOW = 200
K1 = 1.2


def idf(plan: Plan, tok: str) -> float:
    df = max(plan.df.get(tok, 1), 1)
    return math.log(1 + (max(plan.total, df) - df + 0.5) / (df + 0.5))


def scores(session: Session, plan: Plan, ids: list[int]) -> dict[int, float]:
    """Score per id, summed in the database. One arm per token (`token = t AND id IN (...)`):
    primary-key probes whatever the database size, where one `token IN AND id IN` let
    PostgreSQL intersect whole posting lists with bitmaps."""
    out = dict.fromkeys(ids, 0.0)
    w = SearchToken.weight
    term = w * (K1 + 1) / (w + K1)
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        arms = [
            select(SearchToken.workorder_id.label("oid"), (idf(plan, t) * term).label("s")).where(
                SearchToken.token == t, SearchToken.workorder_id.in_(part)
            )
            for t in plan.required + plan.optional
        ]
        both = union_all(*arms).subquery()
        rows = session.execute(select(both.c.oid, func.sum(both.c.s)).group_by(both.c.oid))
        for oid, score in rows:
            out[oid] = float(score)
    return out


def _window(
    session: Session, stmt: Select[Any], plan: Plan, top_id: int, hide_identity: bool
) -> tuple[list[tuple[float, int]], int | None]:
    """The ranked window (score desc, id desc) and the id to continue newest-first below (None
    when the window holds every match)."""
    scan = TextScan(session, stmt, plan.required, top_id + 1, hide_identity, first=RANK_WINDOW)
    ids: list[int] = []
    for chunk in scan.chunks():
        ids.extend(chunk)
        if len(ids) >= RANK_WINDOW:
            break
    ids = ids[:RANK_WINDOW]
    below: int | None = None
    if len(ids) >= RANK_WINDOW:
        below = ids[-1]
    elif scan.capped:
        below = scan.before
    got = scores(session, plan, ids)
    ranked = sorted(((round(got[i], 6), i) for i in ids), key=lambda r: (-r[0], -r[1]))
    return ranked, below


def page(
    session: Session,
    stmt: Select[Any],
    plan: Plan,
    limit: int,
    cursor: str | None,
    to_out: Callable[[WorkOrder], T],
    hide_identity: bool = False,
) -> dict[str, Any]:
    """One page of matches, most relevant first."""
    if cursor:
        state, last = decode_cursor(cursor)
        mode, top_id = str(state[0]), int(state[1])
    else:
        mode, top_id, last, state = "r", plan.total, None, []
    picked: list[int] = []
    next_state: list[Any] | None = None
    below: int | None = int(last) if mode == "n" else None
    if mode == "r":
        ranked, below = _window(session, stmt, plan, top_id, hide_identity)
        if last is not None:
            after = (float(state[2]), int(last))
            ranked = [r for r in ranked if (-r[0], -r[1]) > (-after[0], -after[1])]
        picked = [i for _, i in ranked[:limit]]
        if len(ranked) > limit:
            s, i = ranked[limit - 1]
            next_state = [["r", top_id, s], i]
    if next_state is None and below is not None and len(picked) == limit:
        next_state = [["n", top_id], below]
    elif next_state is None and below is not None:
        scan = TextScan(session, stmt, plan.required, below, hide_identity)
        for chunk in scan.chunks():
            picked.extend(chunk[: limit + 1 - len(picked)])
            if len(picked) > limit:
                break
        if len(picked) > limit:
            picked = picked[:limit]
            next_state = [["n", top_id], picked[-1]]
        elif scan.capped and scan.before is not None:
            next_state = [["n", top_id], scan.before]  # scan budget spent: resume from here
    rows = {o.id: o for o in session.scalars(select(WorkOrder).where(WorkOrder.id.in_(picked)))}
    items = [to_out(rows[i]) for i in picked if i in rows]
    return {"items": items, "next_cursor": encode_cursor(next_state) if next_state else None}
