"""New-media tables: WeChat auto-reply turns, posts (the content calendar is their planned times)
and their publications (one outbox row per post and target, advanced step by step).

A publication keeps every id WeChat handed back (`thumb_media_id`, `media_id`, `publish_id`) as
soon as it has it, so a crash or a retry resumes at the step that failed and never makes a second
draft or a second publish of the same post."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, utcnow


class WechatTurn(Base):
    """One citizen message to the official account and what the auto-reply did with it:
    `answered` (from article `article_id`) or `handed_over` to an agent (the inbox made the order).
    `msg_id` is unique, so WeChat's retries of a message get the same answer."""

    __tablename__ = "newmedia_wechat_turns"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(128), index=True)
    msg_id: Mapped[str] = mapped_column(String(255), unique=True)
    question: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))  # answered | handed_over
    reason: Mapped[str] = mapped_column(String(32))  # matched | asked_for_person | low_confidence | no_match
    article_id: Mapped[int | None] = mapped_column(Integer)
    article_title: Mapped[str | None] = mapped_column(String(300))
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    reply: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_newmedia_wechat_turns_created_at", "created_at"),)


class Post(Base):
    """A WeChat article, a Weibo post or a website notice: drafted, reviewed, then published
    (states in `states.py`); `planned_at` places it on the content calendar."""

    __tablename__ = "newmedia_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # wechat_article | weibo_post | web_notice
    title: Mapped[str] = mapped_column(String(64))
    author: Mapped[str | None] = mapped_column(String(16))
    digest: Mapped[str | None] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    # The WeChat article's cover (thumb) image as uploaded by the writer.
    cover: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    cover_type: Mapped[str | None] = mapped_column(String(32))
    # The knowledge article the post explains, when there is one.
    knowledge_article_id: Mapped[int | None] = mapped_column(Integer)
    planned_at: Mapped[datetime | None]
    state: Mapped[str] = mapped_column(String(16), default="draft")
    review_note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_newmedia_posts_planned_at", "planned_at"),
        Index("ix_newmedia_posts_state", "state"),
    )
    __mapper_args__ = {"version_id_col": version}


class Publication(Base):
    """A post going out to one target (`wechat`: the official account's draft → publish API;
    `website`: the generated pages and feed). WeChat steps: queued → uploaded (cover) → drafted →
    submitted → published; a failed call backs off (`next_attempt_at`) and after the last allowed
    attempt the row is `failed` with WeChat's errcode in `error`."""

    __tablename__ = "newmedia_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("newmedia_posts.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(16))  # wechat | website
    status: Mapped[str] = mapped_column(String(16), default="queued")
    thumb_media_id: Mapped[str | None] = mapped_column(String(128))
    media_id: Mapped[str | None] = mapped_column(String(128))
    publish_id: Mapped[str | None] = mapped_column(String(128))
    remote_article_id: Mapped[str | None] = mapped_column(String(128))
    url: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    __table_args__ = (
        Index("uq_newmedia_publications_post_id", "post_id", "target", unique=True),
        Index("ix_newmedia_publications_status", "status"),
    )
