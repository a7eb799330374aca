"""Turning knowledge rows into API shapes, and the per-process search handles (index, embedding
cache) the web layer uses; kept out of the router so it stays a thin list of endpoints."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.knowledge import index, service
from hotline.knowledge.content import content_of, is_served
from hotline.knowledge.models import Article, ArticleVersion
from hotline.knowledge.schemas import ArticleOut, ArticleSummary, RelatedOut, VersionOut
from hotline.knowledge.semantic import EmbeddingCache
from hotline.knowledge.workflow import STATE_ZH, State
from hotline.store.base import utcnow
from hotline.store.pagination import PageRequest, paginate

_caches: dict[str, EmbeddingCache] = {}


def embedding_cache(idx: index.KnowledgeIndex) -> EmbeddingCache:
    key = str(idx.path)
    if key not in _caches:
        _caches[key] = EmbeddingCache(idx.path.parent / "embeddings")
    return _caches[key]


def fresh_index(session: Session, data_dir: Path, database_url: str) -> index.KnowledgeIndex:
    """The index, caught up with every committed change (checked fully on first use after start)."""
    idx = index.get_index(data_dir, database_url)
    index.catch_up(session, idx)
    return idx


def article_out(session: Session, a: Article, now: datetime | None = None) -> ArticleOut:
    now = now or utcnow()
    related = []
    if a.related_ids:
        for r in session.scalars(select(Article).where(Article.id.in_(a.related_ids))):
            related.append(
                RelatedOut(
                    id=r.id,
                    title=r.title,
                    state=r.state,
                    served=is_served(r),
                    expired=service.is_expired(r, now),
                )
            )
    data = {**content_of(a), "valid_from": a.valid_from, "valid_until": a.valid_until}
    return ArticleOut(
        id=a.id,
        **data,
        related=related,
        state=a.state,
        state_zh=STATE_ZH[State(a.state)],
        content_version=a.content_version,
        live_version=a.live_version,
        served=is_served(a),
        expired=service.is_expired(a, now),
        publish_at=a.publish_at,
        retired_reason=a.retired_reason,
        owner_id=a.owner_id,
        created_at=a.created_at,
        updated_at=a.updated_at,
        version=a.version,
    )


def summary_out(a: Article) -> ArticleSummary:
    return ArticleSummary(
        id=a.id,
        title=a.title,
        category=a.category,
        region=a.region,
        state=a.state,
        served=is_served(a),
        expired=service.is_expired(a),
        valid_until=a.valid_until,
        updated_at=a.updated_at,
    )


def articles_page(
    session: Session,
    params: PageRequest,
    served_only: bool,
    state: State | None = None,
    category: str | None = None,
    q: str | None = None,
) -> dict[str, Any]:
    """A page of articles; `served_only` (readers without knowledge.write): published, not retired."""
    stmt = select(Article)
    if served_only:
        stmt = stmt.where(Article.live_version.is_not(None), Article.state != State.retired)
    if state:
        stmt = stmt.where(Article.state == state)
    if category:
        stmt = stmt.where(Article.category.startswith(category.strip("/")))
    if q:
        stmt = stmt.where(Article.title.contains(q))
    sortable = {"title": Article.title, "updated_at": Article.updated_at, "category": Article.category}
    return paginate(session, stmt, params, sortable, Article.id, summary_out)


def versions_out(session: Session, article_id: int) -> list[VersionOut]:
    """The article's versions, newest first, the served one marked `live`."""
    a = service.get_article(session, article_id)
    rows = session.scalars(
        select(ArticleVersion).where(ArticleVersion.article_id == a.id).order_by(ArticleVersion.number.desc())
    )
    return [
        VersionOut(
            number=v.number,
            note=v.note,
            author=v.author,
            created_at=v.created_at,
            live=v.number == a.live_version,
        )
        for v in rows
    ]
