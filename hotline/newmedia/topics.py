"""New media's events (docs/events.md), published once the write committed."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.events import BusEvent, topic


@topic("newmedia.wechat_answered")
@dataclass(frozen=True, slots=True, kw_only=True)
class WechatAnswered(BusEvent):
    """A citizen's WeChat message was answered from the knowledge base, or handed to an agent."""

    turn_id: int
    outcome: str
    reason: str
    article_id: int | None


@topic("newmedia.post_moved")
@dataclass(frozen=True, slots=True, kw_only=True)
class PostMoved(BusEvent):
    """A post took a step of its review workflow (submitted, approved, rejected, published...)."""

    post_id: int
    action: str
    state: str


@topic("newmedia.post_published")
@dataclass(frozen=True, slots=True, kw_only=True)
class PostPublished(BusEvent):
    """A post is out on one target (`wechat` with its article URL, `website`)."""

    post_id: int
    target: str
    url: str | None


@topic("newmedia.publication_failed")
@dataclass(frozen=True, slots=True, kw_only=True)
class PublicationFailed(BusEvent):
    """Publishing a post gave up after its retries (the error names WeChat's errcode)."""

    post_id: int
    target: str
    error: str
