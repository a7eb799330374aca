"""Read-only facts of knowledge use for other domains (the analytics knowledge-usage report): the
articles used on calls ("answered with this"), cited by work orders, and the searches, in a time
range, as plain tuples. The knowledge domain owns these tables; others only ask here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.knowledge.models import Article, ArticleEvent, ArticleLink, SearchLog


@dataclass(frozen=True, slots=True)
class Use:
    """One use of an article: on a call by an agent (`kind` "call"), or a work order citing it
    (`kind` "order", no agent)."""

    kind: str
    article_id: int
    user_id: int
    ref: str  # the call's uuid or the work order's id ("" for a use on no call)
    at: datetime


def uses_between(session: Session, start: datetime, end: datetime) -> list[Use]:
    calls = session.execute(
        select(ArticleEvent.article_id, ArticleEvent.user_id, ArticleEvent.call_id, ArticleEvent.at).where(
            ArticleEvent.kind == "use", ArticleEvent.at >= start, ArticleEvent.at < end
        )
    ).all()
    orders = session.execute(
        select(ArticleLink.article_id, ArticleLink.work_order_id, ArticleLink.created_at).where(
            ArticleLink.created_at >= start, ArticleLink.created_at < end
        )
    ).all()
    return [Use("call", int(a), int(u or 0), c or "", at) for a, u, c, at in calls] + [
        Use("order", int(a), 0, str(w), at) for a, w, at in orders
    ]


def searches_between(session: Session, start: datetime, end: datetime) -> list[tuple[int, int]]:
    """(user id or 0, results) of each search in the range."""
    rows = session.execute(
        select(SearchLog.user_id, SearchLog.results).where(SearchLog.at >= start, SearchLog.at < end)
    ).all()
    return [(int(u or 0), int(r)) for u, r in rows]


def articles(session: Session, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """(title, category path) of these articles."""
    rows = session.execute(
        select(Article.id, Article.title, Article.category).where(Article.id.in_(list(ids)[:5000]))
    ).all()
    return {int(i): (t, c) for i, t, c in rows}
