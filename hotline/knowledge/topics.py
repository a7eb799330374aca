"""The knowledge base's events (docs/events.md), published once the article's change committed."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.events import BusEvent, topic


@topic("knowledge.published")
@dataclass(frozen=True, slots=True, kw_only=True)
class KnowledgePublished(BusEvent):
    """An article was published (by hand or by the scheduled sweep)."""

    article_id: int


@topic("knowledge.retired")
@dataclass(frozen=True, slots=True, kw_only=True)
class KnowledgeRetired(BusEvent):
    """An article was retired (`reason`: "expired" when the sweep retired it at valid-until)."""

    article_id: int
    reason: str | None = None


@topic("knowledge.expiry_reminded")
@dataclass(frozen=True, slots=True, kw_only=True)
class KnowledgeExpiryReminded(BusEvent):
    """An article's owner is reminded that it expires soon."""

    article_id: int
    title: str
    owner_id: int | None
    valid_until: str | None
