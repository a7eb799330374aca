"""Request and response shapes of the knowledge API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from hotline.schemas import Out, StrictIn


class AttachmentIn(StrictIn):
    name: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=1, max_length=500)


class ArticleIn(StrictIn):
    title: str = Field(min_length=1, max_length=200)
    questions: list[str] = Field(default_factory=list, max_length=50)
    answer_short: str = Field("", max_length=2000)
    answer_full: str = Field("", max_length=50_000)
    policy_basis: str = Field("", max_length=2000)
    eligibility: str = Field("", max_length=10_000)
    materials: str = Field("", max_length=10_000)
    procedure: str = Field("", max_length=10_000)
    office: str = Field("", max_length=200)
    contact: str = Field("", max_length=200)
    fees: str = Field("", max_length=2000)
    region: str = Field("全市", max_length=64)
    category: str = Field(min_length=1, max_length=200)
    tags: list[str] = Field(default_factory=list, max_length=50)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)
    related_ids: list[int] = Field(default_factory=list, max_length=50)
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    remind_days: int = Field(30, ge=0, le=365)


class ArticlePatch(StrictIn):
    version: int
    note: str = Field("", max_length=200)
    title: str | None = Field(None, min_length=1, max_length=200)
    questions: list[str] | None = Field(None, max_length=50)
    answer_short: str | None = Field(None, max_length=2000)
    answer_full: str | None = Field(None, max_length=50_000)
    policy_basis: str | None = Field(None, max_length=2000)
    eligibility: str | None = Field(None, max_length=10_000)
    materials: str | None = Field(None, max_length=10_000)
    procedure: str | None = Field(None, max_length=10_000)
    office: str | None = Field(None, max_length=200)
    contact: str | None = Field(None, max_length=200)
    fees: str | None = Field(None, max_length=2000)
    region: str | None = Field(None, max_length=64)
    category: str | None = Field(None, min_length=1, max_length=200)
    tags: list[str] | None = Field(None, max_length=50)
    attachments: list[AttachmentIn] | None = Field(None, max_length=20)
    related_ids: list[int] | None = Field(None, max_length=50)
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    remind_days: int | None = Field(None, ge=0, le=365)


class ActionIn(StrictIn):
    version: int
    note: str = Field("", max_length=200)
    # publish only: a future time schedules the publication instead.
    publish_at: datetime | None = None


class RollbackIn(StrictIn):
    version: int
    to_version: int = Field(ge=1)


class RelatedOut(Out):
    id: int
    title: str
    state: str
    served: bool
    expired: bool


class ArticleOut(Out):
    id: int
    title: str
    questions: list[str]
    answer_short: str
    answer_full: str
    policy_basis: str
    eligibility: str
    materials: str
    procedure: str
    office: str
    contact: str
    fees: str
    region: str
    category: str
    tags: list[str]
    attachments: list[dict[str, Any]]
    related_ids: list[int]
    related: list[RelatedOut] = Field(default_factory=list)
    valid_from: datetime | None
    valid_until: datetime | None
    remind_days: int
    state: str
    state_zh: str
    content_version: int
    live_version: int | None
    served: bool
    expired: bool
    publish_at: datetime | None
    retired_reason: str | None
    owner_id: int | None
    created_at: datetime
    updated_at: datetime
    version: int
    # "served": content is the live version's (what agents read); "working": the editable copy.
    view: str = "working"


class ArticleSummary(Out):
    id: int
    title: str
    category: str
    region: str
    state: str
    served: bool
    expired: bool
    valid_until: datetime | None
    updated_at: datetime


class VersionOut(Out):
    number: int
    note: str
    author: str
    created_at: datetime
    live: bool = False


class DiffOut(Out):
    article_id: int
    from_version: int
    to_version: int
    changed: list[str]
    diff: str


class SearchHit(Out):
    id: int
    title: str
    title_hl: str
    snippet: str
    category: str
    region: str
    state: str
    served: bool
    expired: bool
    score: float


class SearchOut(Out):
    query: str
    total: int
    hits: list[SearchHit]
    took_ms: float


class SuggestItem(Out):
    id: int
    title: str
    title_hl: str
    category: str


class InCallIn(StrictIn):
    ivr_path: list[str] = Field(default_factory=list, max_length=20)
    caller_id: int | None = None
    text: str = Field("", max_length=200)
    limit: int = Field(5, ge=1, le=20)


class InCallItem(Out):
    id: int
    title: str
    answer_short: str
    category: str
    score: float
    reasons: list[str]


class UseIn(StrictIn):
    call_id: str | None = Field(None, max_length=64)


class VoteIn(StrictIn):
    helpful: bool


class LinkIn(StrictIn):
    work_order_id: str = Field(min_length=1, max_length=64)
    work_order_type: str = Field("inquiry", max_length=32)


class LinkOut(Out):
    article_id: int
    work_order_id: str
    work_order_type: str
    title: str
    expired: bool
    served: bool
