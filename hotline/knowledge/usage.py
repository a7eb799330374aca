"""How articles are used: views, "answered with this article" on calls, helpful votes, links from
work orders, the search log; and the statistics built from them.

Views and searches are telemetry (one row each, not audited: they change nothing); uses, votes and
links are audited like any other write because they feed figures people are judged on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record
from hotline.knowledge.index import mark_dirty
from hotline.knowledge.models import Article, ArticleEvent, ArticleLink, SearchLog
from hotline.knowledge.service import get_article, is_expired
from hotline.knowledge.workflow import State
from hotline.store.base import utcnow


def log_view(session: Session, actor: Actor, article_id: int) -> None:
    session.add(ArticleEvent(article_id=article_id, kind="view", user_id=actor.id))


def log_search(session: Session, actor: Actor, query: str, results: int) -> None:
    if query.strip():
        session.add(SearchLog(query=query.strip()[:200], results=results, user_id=actor.id))


def mark_used(session: Session, actor: Actor, article_id: int, call_id: str | None) -> ArticleEvent:
    article = get_article(session, article_id)
    event = ArticleEvent(article_id=article.id, kind="use", user_id=actor.id, call_id=call_id)
    session.add(event)
    session.flush()
    mark_dirty(session, article.id)  # its popularity (a ranking feature) changed
    record(session, actor, "knowledge.use", "article", article.id, None, {"call_id": call_id})
    return event


def used_on_call(session: Session, call_id: str) -> list[dict[str, Any]]:
    """The articles an agent marked "answered with this" on one call, first use first (for the
    quality inspector scoring that call)."""
    rows = session.execute(
        select(Article.id, Article.title, func.min(ArticleEvent.at).label("at"))
        .join(ArticleEvent, ArticleEvent.article_id == Article.id)
        .where(ArticleEvent.call_id == call_id, ArticleEvent.kind == "use")
        .group_by(Article.id, Article.title)
        .order_by(func.min(ArticleEvent.at), Article.id)
    ).all()
    return [{"id": r.id, "title": r.title, "at": r.at} for r in rows]


def vote(session: Session, actor: Actor, article_id: int, helpful: bool) -> ArticleEvent:
    article = get_article(session, article_id)
    event = ArticleEvent(article_id=article.id, kind="vote_up" if helpful else "vote_down", user_id=actor.id)
    session.add(event)
    session.flush()
    mark_dirty(session, article.id)
    record(session, actor, "knowledge.vote", "article", article.id, None, {"helpful": helpful})
    return event


def link_work_order(
    session: Session, actor: Actor, article_id: int, work_order_id: str, work_order_type: str
) -> ArticleLink:
    """Cite an article on a work order (idempotent per pair)."""
    article = get_article(session, article_id)
    existing = session.scalar(
        select(ArticleLink).where(
            ArticleLink.article_id == article.id, ArticleLink.work_order_id == work_order_id
        )
    )
    if existing is not None:
        return existing
    link = ArticleLink(article_id=article.id, work_order_id=work_order_id, work_order_type=work_order_type)
    try:
        with session.begin_nested():
            session.add(link)
    except IntegrityError:
        found = session.scalar(
            select(ArticleLink).where(
                ArticleLink.article_id == article.id, ArticleLink.work_order_id == work_order_id
            )
        )
        if found is None:
            raise
        return found
    record(session, actor, "knowledge.link", "article", article.id, None, {"work_order_id": work_order_id})
    return link


def links_for(session: Session, work_order_id: str, now: datetime | None = None) -> list[dict[str, Any]]:
    """The articles a work order cites, each marked expired/served so the UI can warn."""
    now = now or utcnow()
    rows = session.execute(
        select(ArticleLink, Article)
        .join(Article, Article.id == ArticleLink.article_id)
        .where(ArticleLink.work_order_id == work_order_id)
        .order_by(ArticleLink.id)
    ).all()
    return [
        {
            "article_id": a.id,
            "work_order_id": link.work_order_id,
            "work_order_type": link.work_order_type,
            "title": a.title,
            "expired": is_expired(a, now),
            "served": a.live_version is not None and a.state != State.retired,
        }
        for link, a in rows
    ]


def stats(session: Session, since: datetime | None = None, limit: int = 20) -> dict[str, Any]:
    """Per-article usage, the searches that found nothing, and articles most cited by complaints."""
    ev = select(
        ArticleEvent.article_id,
        func.sum(case((ArticleEvent.kind == "view", 1), else_=0)).label("views"),
        func.sum(case((ArticleEvent.kind == "use", 1), else_=0)).label("uses"),
        func.sum(case((ArticleEvent.kind == "vote_up", 1), else_=0)).label("helpful"),
        func.sum(case((ArticleEvent.kind == "vote_down", 1), else_=0)).label("not_helpful"),
    )
    if since is not None:
        ev = ev.where(ArticleEvent.at >= since)
    sub = ev.group_by(ArticleEvent.article_id).subquery()
    rows = session.execute(
        select(Article.id, Article.title, sub.c.views, sub.c.uses, sub.c.helpful, sub.c.not_helpful)
        .join(sub, sub.c.article_id == Article.id)
        .order_by(sub.c.uses.desc(), sub.c.views.desc(), Article.id)
        .limit(limit)
    ).all()
    articles = [
        {
            "id": r.id,
            "title": r.title,
            "views": int(r.views or 0),
            "uses": int(r.uses or 0),
            "helpful": int(r.helpful or 0),
            "not_helpful": int(r.not_helpful or 0),
        }
        for r in rows
    ]
    gaps_q = select(SearchLog.query, func.count(SearchLog.id).label("n")).where(SearchLog.results == 0)
    searches_q = select(func.count(SearchLog.id))
    if since is not None:
        gaps_q = gaps_q.where(SearchLog.at >= since)
        searches_q = searches_q.where(SearchLog.at >= since)
    gaps = session.execute(
        gaps_q.group_by(SearchLog.query)
        .order_by(func.count(SearchLog.id).desc(), SearchLog.query)
        .limit(limit)
    ).all()
    complaints = session.execute(
        select(Article.id, Article.title, func.count(ArticleLink.id).label("n"))
        .join(ArticleLink, ArticleLink.article_id == Article.id)
        .where(ArticleLink.work_order_type == "complaint")
        .group_by(Article.id, Article.title)
        .order_by(func.count(ArticleLink.id).desc(), Article.id)
        .limit(limit)
    ).all()
    return {
        "articles": articles,
        "searches": int(session.scalar(searches_q) or 0),
        "no_result_queries": [{"query": q, "count": int(n)} for q, n in gaps],
        "complaint_links": [{"id": i, "title": t, "count": int(n)} for i, t, n in complaints],
    }
