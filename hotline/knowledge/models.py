"""Knowledge tables: articles (the editable working copy), their versions, usage events, search log,
links to work orders, and the index outbox that keeps the search index in step with the database.

An article is *served* (searchable by agents, suggested during calls) when `live_version` is set and
the article is not retired; what is served is the snapshot stored in that version, so writers can
edit a published article without agents seeing half-finished text. `live_valid_from/until` copy the
served snapshot's validity so the sweep job and filters need no JSON parsing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, utcnow


class Article(Base):
    __tablename__ = "knowledge_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    answer_short: Mapped[str] = mapped_column(Text, default="")
    answer_full: Mapped[str] = mapped_column(Text, default="")
    policy_basis: Mapped[str] = mapped_column(Text, default="")
    eligibility: Mapped[str] = mapped_column(Text, default="")
    materials: Mapped[str] = mapped_column(Text, default="")
    procedure: Mapped[str] = mapped_column(Text, default="")
    office: Mapped[str] = mapped_column(String(200), default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    fees: Mapped[str] = mapped_column(Text, default="")
    region: Mapped[str] = mapped_column(String(64), default="全市")
    # Category path, "/"-separated from the root: "救助/最低生活保障".
    category: Mapped[str] = mapped_column(String(200), index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    related_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    remind_days: Mapped[int] = mapped_column(Integer, default=30)

    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    content_version: Mapped[int] = mapped_column(Integer, default=1)
    live_version: Mapped[int | None] = mapped_column(Integer)
    live_valid_from: Mapped[datetime | None]
    live_valid_until: Mapped[datetime | None] = mapped_column(index=True)
    publish_at: Mapped[datetime | None] = mapped_column(index=True)
    reminded_at: Mapped[datetime | None]
    retired_reason: Mapped[str | None] = mapped_column(String(32))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ArticleVersion(Base):
    """One saved state of an article's content (every edit, import and rollback adds one)."""

    __tablename__ = "knowledge_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("knowledge_articles.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(200), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("article_id", "number", name="uq_knowledge_versions_number"),)


class ArticleEvent(Base):
    """Usage: view, use (answered a call with it), vote_up, vote_down."""

    __tablename__ = "knowledge_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("knowledge_articles.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Indexed: the knowledge used on a call is looked up by call (quality scoring, work orders).
    call_id: Mapped[str | None] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_knowledge_events_article_kind", "article_id", "kind"),)


class ArticleLink(Base):
    """An article cited by a work order (by id string: the work-order package owns its tables)."""

    __tablename__ = "knowledge_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("knowledge_articles.id", ondelete="CASCADE"))
    work_order_id: Mapped[str] = mapped_column(String(64), index=True)
    # The work order's type (complaint, inquiry, ...) at linking time, so stats need no join.
    work_order_type: Mapped[str] = mapped_column(String(32), default="inquiry")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("article_id", "work_order_id", name="uq_knowledge_links_pair"),)


class SearchLog(Base):
    """Every agent search; those with no result are the gaps to write next."""

    __tablename__ = "knowledge_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(200))
    results: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class IndexOutbox(Base):
    """Articles changed since the index last caught up; written in the same transaction as the
    change, so a crash between commit and index update is repaired on the next catch-up."""

    __tablename__ = "knowledge_index_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class KnowledgeMeta(Base):
    """Key/value facts about this database's knowledge base (its identity for the index)."""

    __tablename__ = "knowledge_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
