"""New media's API shapes: posts in and out, workflow actions, publications, the calendar."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, Field

from hotline.schemas import Out, StrictIn

Kind = Literal["wechat_article", "weibo_post", "web_notice"]


def _plausible(value: datetime | None) -> datetime | None:
    # A calendar date, not year 1 or 9999 (whose UTC conversion would overflow).
    if value is not None and not 2000 <= value.year <= 2100:
        raise ValueError("a planned time between the years 2000 and 2100")
    return value


Planned = Annotated[AwareDatetime | None, AfterValidator(_plausible)]


class PostIn(StrictIn):
    kind: Kind
    # WeChat's limits for a draft article: title 64, author 16, digest 120 characters.
    title: str = Field(min_length=1, max_length=64)
    author: str | None = Field(None, max_length=16)
    digest: str | None = Field(None, max_length=120)
    body: str = Field(min_length=1, max_length=20_000, description="plain text; blank lines part paragraphs")
    planned_at: Planned = Field(None, description="when it should go out (content calendar)")
    knowledge_article_id: int | None = Field(None, ge=1, le=2**31 - 1)


class PostPatch(StrictIn):
    version: int = Field(ge=1)
    title: str | None = Field(None, min_length=1, max_length=64)
    author: str | None = Field(None, max_length=16)
    digest: str | None = Field(None, max_length=120)
    body: str | None = Field(None, min_length=1, max_length=20_000)
    planned_at: Planned = None
    knowledge_article_id: int | None = Field(None, ge=1, le=2**31 - 1)


class ActionIn(StrictIn):
    version: int = Field(ge=1, description="the version you last read (409 if stale)")
    note: str = Field("", max_length=500, description="a reviewer's reason (reject)")


class PublicationOut(Out):
    id: int
    target: str = Field(description="wechat | website")
    status: str = Field(
        description="queued | uploaded | drafted | submitted | published | failed"
        " | withdrawing | withdrawn | withdraw_failed | cancelled"
    )
    attempts: int
    next_attempt_at: datetime | None
    error: str | None
    url: str | None
    published_at: datetime | None


class PostOut(Out):
    id: int
    kind: str
    title: str
    author: str | None
    digest: str | None
    body: str
    has_cover: bool = False
    knowledge_article_id: int | None
    planned_at: datetime | None
    state: str
    state_zh: str = ""
    review_note: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    allowed_actions: list[str] = []
    publications: list[PublicationOut] = []


class PostSummary(Out):
    id: int
    kind: str
    title: str
    state: str
    planned_at: datetime | None
    published_at: datetime | None
    version: int


class CalendarDay(Out):
    day: date = Field(description="the local (Asia/Shanghai) day")
    posts: list[PostSummary]
