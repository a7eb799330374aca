"""Posts and the content calendar: audited writes (create, edit as a draft, cover image, workflow
actions) and what the console reads. Publishing is queued by the `publish` action (or the job, for
an approved post whose planned time came) as one publication per target (`publish.py`)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record, snapshot
from hotline.audit.writes import audited_update
from hotline.bus import publish_on_commit
from hotline.errors import Conflict, Invalid, NotFound
from hotline.newmedia import publish
from hotline.newmedia.models import Post, Publication
from hotline.newmedia.schemas import (
    CalendarDay,
    PostIn,
    PostOut,
    PostPatch,
    PostSummary,
    PublicationOut,
)
from hotline.newmedia.states import STATE_ZH, TABLE, Action, State
from hotline.newmedia.topics import PostMoved
from hotline.store.base import utcnow

LOCAL = ZoneInfo("Asia/Shanghai")
# WeChat's permanent image material: bmp/png/jpeg/jpg/gif up to 10 MB; a cover needs far less.
COVER_TYPES = {"image/jpeg", "image/png", "image/gif"}
COVER_MAX_BYTES = 2 * 1024 * 1024
_MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png", b"GIF8": "image/gif"}


def _snap(post: Post) -> dict[str, Any]:
    data = snapshot(post)
    data.pop("cover", None)  # bytes: the audit keeps its type only
    return data


def get(session: Session, post_id: int) -> Post:
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound(f"post {post_id} does not exist", "稿件不存在")
    return post


def create(session: Session, actor: Actor, data: PostIn) -> Post:
    now = utcnow()
    post = Post(**data.model_dump(), state=State.draft, created_by=actor.id)
    post.created_at = post.updated_at = now
    session.add(post)
    session.flush()
    record(session, actor, "newmedia.post_create", "newmedia_post", post.id, None, _snap(post))
    return post


def update(session: Session, actor: Actor, post_id: int, data: PostPatch) -> Post:
    post = get(session, post_id)
    if post.state != State.draft:
        raise Conflict(
            f"a post is edited as a draft; this one is {post.state} (reopen it first)",
            f"只能修改草稿，当前为「{STATE_ZH[State(post.state)]}」，请先重新编辑",
        )
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    with audited_update(
        session, actor, post, data.version, "post", "newmedia_post", "newmedia.post_update", _snap
    ):
        for key, value in changes.items():
            setattr(post, key, value)
        post.updated_at = utcnow()
    return post


def sniff(data: bytes) -> str | None:
    return next((kind for magic, kind in _MAGIC.items() if data.startswith(magic)), None)


def set_cover(session: Session, actor: Actor, post_id: int, version: int, data: bytes) -> Post:
    """The cover image (WeChat articles need one): JPEG/PNG/GIF by their bytes, at most 2 MB."""
    kind = sniff(data)
    if kind is None:
        raise Invalid("the cover must be a JPEG, PNG or GIF image", "封面须为 JPEG、PNG 或 GIF 图片")
    if len(data) > COVER_MAX_BYTES:
        raise Invalid("the cover is larger than 2 MB", "封面图片不能超过 2 MB")
    post = get(session, post_id)
    if post.state != State.draft:
        raise Conflict("the cover is changed on a draft", "只能修改草稿的封面")
    with audited_update(session, actor, post, version, "post", "newmedia_post", "newmedia.post_cover", _snap):
        post.cover, post.cover_type = data, kind
        post.updated_at = utcnow()
    return post


def _check_ready(post: Post) -> None:
    if post.kind == "wechat_article" and not post.cover_type:
        raise Invalid(
            "a WeChat article needs a cover image before review", "微信图文需要先上传封面图片再提交审核"
        )
    if post.kind == "weibo_post" and len(post.body) > 2000:
        raise Invalid("a Weibo post has at most 2,000 characters", "微博正文不能超过 2000 字")


def act(
    session: Session,
    actor: Actor,
    post_id: int,
    action: Action,
    version: int | None,
    note: str = "",
    now: datetime | None = None,
) -> Post:
    """One workflow step from the table (409 otherwise); `publish` queues the publications."""
    now = now or utcnow()
    post = get(session, post_id)
    target = TABLE.next(State(post.state), action)
    if action is Action.submit:
        _check_ready(post)
    with audited_update(
        session, actor, post, version, "post", "newmedia_post", f"newmedia.post_{action.value}", _snap
    ):
        post.state = target
        post.updated_at = now
        if action is Action.reject:
            post.review_note = note or None
        elif action is Action.approve:
            post.review_note = None
        if action is Action.publish:
            post.published_at = now
            publish.queue(session, actor, post, now)
        elif action is Action.retire:
            publish.withdraw(session, actor, post)
    publish_on_commit(session, PostMoved(post_id=post.id, action=action.value, state=target.value))
    return post


def out(session: Session, post: Post) -> PostOut:
    pubs = session.scalars(select(Publication).where(Publication.post_id == post.id).order_by(Publication.id))
    result = PostOut.model_validate(post)
    result.has_cover = post.cover_type is not None
    result.state_zh = STATE_ZH[State(post.state)]
    result.allowed_actions = [a.value for a in TABLE.allowed(State(post.state))]
    result.publications = [PublicationOut.model_validate(p) for p in pubs]
    return result


def listing(
    session: Session, state: str | None, kind: str | None, before: int | None, limit: int
) -> list[PostSummary]:
    stmt = select(Post).order_by(Post.id.desc()).limit(limit)
    if state:
        stmt = stmt.where(Post.state == state)
    if kind:
        stmt = stmt.where(Post.kind == kind)
    if before:
        stmt = stmt.where(Post.id < before)
    return [PostSummary.model_validate(p) for p in session.scalars(stmt)]


def calendar(session: Session, start: date, end: date) -> list[CalendarDay]:
    """Posts by local day between `start` and `end` (inclusive): when planned, else when published."""
    if (end - start).days > 366 or end < start or start.year < 2000 or end.year > 2100:
        raise Invalid(
            "the calendar shows at most one year, start before end", "日历最多显示一年，且开始不晚于结束"
        )
    lo = datetime.combine(start, datetime.min.time(), LOCAL)
    hi = datetime.combine(end, datetime.max.time(), LOCAL)
    stmt = select(Post).where(
        or_(
            Post.planned_at.between(lo, hi),
            Post.planned_at.is_(None) & Post.published_at.between(lo, hi),
        )
    )
    days: dict[date, list[PostSummary]] = defaultdict(list)
    for p in session.scalars(stmt):
        when = p.planned_at or p.published_at
        assert when is not None
        days[when.astimezone(LOCAL).date()].append(PostSummary.model_validate(p))
    return [
        CalendarDay(day=d, posts=sorted(days[d], key=lambda s: (s.planned_at or s.published_at or lo, s.id)))
        for d in sorted(days)
    ]


def due_for_publishing(session: Session, now: datetime) -> list[int]:
    """Approved posts whose planned time has come (the job publishes them)."""
    stmt = select(Post.id).where(Post.state == State.approved, Post.planned_at <= now).order_by(Post.id)
    return list(session.scalars(stmt))
