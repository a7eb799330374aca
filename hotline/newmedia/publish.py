"""Publications: a published post going out to each of its targets, one step at a time.

WeChat's documented sequence for an article (草稿箱 + 发布能力): the access token, the cover as
permanent image material (`material/add_material` → thumb_media_id), the draft (`draft/add` →
media_id), the publish request (`freepublish/submit` → publish_id), then its state polled
(`freepublish/get`: 0 published with the article's URL, 1 still publishing, 2-6 failed: original
content check, general failure, platform review, deleted, banned). Each id WeChat hands back is
committed before the next call, so a crash or a retry resumes at the step that failed and never
makes a second draft or a second publish. A passing error backs off exponentially
(`publish_retry_base_s` doubling up to `publish_retry_max_s`), `failed` after
`publish_max_attempts` in a row; a final error (`wxapi.Fatal`) fails at once with WeChat's errcode.
An operator's `retry` resumes a failed publication at its step. The website target is published
as soon as it is due: its pages and feed are generated from published posts (`site.py`).
A retired post (撤下) is taken back (`withdraw`): its article deleted from the official account
(`freepublish/delete` with the article_id `freepublish/get` gave; `withdrawing` → `withdrawn`,
backed off like publishing, `withdraw_failed` for an operator's retry), a publication that was
not out yet cancelled, one still publishing withdrawn once it is out, the website's page gone
with the post. No HTTP call runs inside a database transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.service import SYSTEM, Actor, record, snapshot
from hotline.bus import publish_on_commit
from hotline.channels.settings import ChannelSettings, get_channel_settings
from hotline.errors import Conflict, NotFound
from hotline.newmedia import site
from hotline.newmedia.models import Post, Publication
from hotline.newmedia.settings import NewMediaSettings, get_newmedia_settings
from hotline.newmedia.topics import PostPublished, PublicationFailed
from hotline.newmedia.wxapi import Fatal, Retry, WxApi
from hotline.store.base import utcnow
from hotline.store.db import Database

TARGETS = {"wechat_article": ("wechat", "website"), "web_notice": ("website",), "weibo_post": ()}
ACTIVE = ("queued", "uploaded", "drafted", "submitted", "withdrawing")
NOT_OUT = ("queued", "uploaded", "drafted")
PUBLISH_STATUS = {2: "原创校验未通过", 3: "常规失败", 4: "平台审核不通过", 5: "已被删除", 6: "已被封禁"}
EXT = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif"}


def _audit(s: Session, actor: Actor, pub: Publication, before: dict[str, Any] | None, what: str) -> None:
    record(s, actor, f"newmedia.publication_{what}", "newmedia_publication", pub.id, before, snapshot(pub))


def queue(session: Session, actor: Actor, post: Post, now: datetime) -> None:
    """One publication per target of the post, from the start (a re-published post starts over)."""
    for target in TARGETS[post.kind]:
        pub = session.scalar(
            select(Publication).where(Publication.post_id == post.id, Publication.target == target)
        )
        before = snapshot(pub) if pub is not None else None
        if pub is None:
            pub = Publication(post_id=post.id, target=target)
            session.add(pub)
        pub.status, pub.attempts, pub.created_at = "queued", 0, now
        pub.thumb_media_id = pub.media_id = pub.publish_id = pub.remote_article_id = pub.url = None
        pub.next_attempt_at = pub.submitted_at = pub.published_at = None
        pub.error = None
        session.flush()
        _audit(session, actor, pub, before, "queue")


def retry(session: Session, actor: Actor, pub_id: int) -> Publication:
    """An operator resumes a failed publication at the step that failed."""
    pub = session.get(Publication, pub_id)
    if pub is None:
        raise NotFound("publication not found", "发布记录不存在")
    if pub.status not in ("failed", "withdraw_failed"):
        raise Conflict(
            f"only a failed publication is retried; this one is {pub.status}", "只能重试失败的发布"
        )
    before = snapshot(pub)
    pub.status = (
        "withdrawing"
        if pub.status == "withdraw_failed"
        else "submitted"
        if pub.publish_id
        else "drafted"
        if pub.media_id
        else "uploaded"
        if pub.thumb_media_id
        else "queued"
    )
    pub.attempts, pub.next_attempt_at, pub.error = 0, None, None
    if pub.status == "submitted":
        pub.submitted_at = utcnow()  # the polling window starts again
    session.flush()
    _audit(session, actor, pub, before, "retry")
    return pub


def withdraw(session: Session, actor: Actor, post: Post) -> None:
    """Take a retired post back from each target: out (or failed on its way out) on WeChat →
    `withdrawing` (the job deletes it); not out yet → `cancelled`; still publishing → left to
    finish, then withdrawn (`_write`); the website → `withdrawn` (its pages list published posts)."""
    for pub in session.scalars(select(Publication).where(Publication.post_id == post.id)):
        before = snapshot(pub)
        if pub.target == "website":
            pub.status = "withdrawn"
        elif pub.status == "published" and pub.remote_article_id:
            pub.status = "withdrawing"
        elif pub.status in NOT_OUT or pub.status == "failed":
            pub.status = "cancelled"
        else:
            continue
        pub.attempts, pub.next_attempt_at, pub.error = 0, None, None
        session.flush()
        _audit(session, actor, pub, before, pub.status if pub.status != "withdrawing" else "withdraw")


@dataclass(frozen=True)
class _Work:
    """What one step needs, read in a short transaction (the HTTP call runs outside it)."""

    pub_id: int
    post_id: int
    target: str
    status: str
    thumb_media_id: str | None
    media_id: str | None
    publish_id: str | None
    remote_article_id: str | None
    submitted_at: datetime | None
    title: str
    author: str
    digest: str
    body: str
    cover: bytes | None
    cover_type: str | None


def _read(db: Database, pub_id: int, now: datetime) -> _Work | None:
    with db.session() as s:
        pub = s.get(Publication, pub_id)
        if pub is None or pub.status not in ACTIVE or (pub.next_attempt_at and pub.next_attempt_at > now):
            return None
        post = s.get(Post, pub.post_id)
        assert post is not None
        need_cover = pub.target == "wechat" and pub.status == "queued"
        return _Work(
            pub.id, post.id, pub.target, pub.status, pub.thumb_media_id, pub.media_id, pub.publish_id,
            pub.remote_article_id, pub.submitted_at, post.title, post.author or "", post.digest or "",
            post.body, post.cover if need_cover else None, post.cover_type,
        )  # fmt: skip


def _wechat_step(api: WxApi, w: _Work, cfg: NewMediaSettings, now: datetime) -> dict[str, Any]:
    """One call of the sequence; the publication's changes."""
    if w.status == "withdrawing":
        assert w.remote_article_id is not None
        api.delete_published(w.remote_article_id)
        return {"status": "withdrawn"}
    if w.status == "queued":
        if w.cover is None or w.cover_type is None:
            raise Fatal("the article has no cover image")
        name = f"cover-{w.post_id}.{EXT.get(w.cover_type, 'jpg')}"
        return {"thumb_media_id": api.add_image_material(name, w.cover, w.cover_type), "status": "uploaded"}
    if w.status == "uploaded":
        article = {
            "title": w.title,
            "author": w.author,
            "digest": w.digest,
            "content": site.body_html(w.body),
            "content_source_url": site.page_url(cfg.site_url, w.post_id),
            "thumb_media_id": w.thumb_media_id,
            "need_open_comment": 0,
            "only_fans_can_comment": 0,
        }
        return {"media_id": api.add_draft(article), "status": "drafted"}
    if w.status == "drafted":
        assert w.media_id is not None
        publish_id = api.submit_publish(w.media_id)
        poll = now + timedelta(seconds=cfg.publish_poll_s)
        return {"publish_id": publish_id, "status": "submitted", "submitted_at": now, "next_attempt_at": poll}
    assert w.publish_id is not None
    data = api.publish_status(w.publish_id)
    state = int(data.get("publish_status", -99))
    if state == 0:
        items = (data.get("article_detail") or {}).get("item") or [{}]
        url = str(items[0].get("article_url") or "") or None
        return {
            "status": "published",
            "url": url,
            "remote_article_id": data.get("article_id"),
            "published_at": now,
        }
    if state == 1:
        started = w.submitted_at or now
        if now - started > timedelta(seconds=cfg.publish_poll_max_s):
            raise Fatal(f"WeChat still publishing {cfg.publish_poll_max_s} s after the request")
        return {"next_attempt_at": now + timedelta(seconds=cfg.publish_poll_s)}
    what = PUBLISH_STATUS.get(state, "未知状态")
    raise Fatal(f"freepublish/get: publish_status {state} ({what}), fail_idx {data.get('fail_idx')}")


def _write(db: Database, w: _Work, changes: dict[str, Any], now: datetime) -> None:
    with db.session() as s:
        pub = s.get(Publication, w.pub_id)
        if pub is None or pub.status != w.status:
            return  # moved meanwhile (an operator's retry): this result is not ours to apply
        before = snapshot(pub)
        for key, value in changes.items():
            setattr(pub, key, value)
        if "status" in changes:
            pub.attempts, pub.error = 0, None
        s.flush()
        _audit(s, SYSTEM, pub, before, pub.status if "status" in changes else "poll")
        post = s.get(Post, pub.post_id)
        if pub.status == "published" and post is not None and post.state == "retired":
            # retired while WeChat was still publishing it: out now, so taken back now
            before = snapshot(pub)
            pub.status = "withdrawing"
            s.flush()
            _audit(s, SYSTEM, pub, before, "withdraw")
        elif pub.status == "published":
            publish_on_commit(s, PostPublished(post_id=pub.post_id, target=pub.target, url=pub.url))


def _fail(db: Database, w: _Work, exc: Exception, final: bool, cfg: NewMediaSettings, now: datetime) -> None:
    with db.session() as s:
        pub = s.get(Publication, w.pub_id)
        if pub is None or pub.status != w.status:
            return
        before = snapshot(pub)
        pub.attempts += 1
        pub.error = str(exc)[:2000]
        if final or pub.attempts >= cfg.publish_max_attempts:
            withdrawing = pub.status == "withdrawing"
            pub.status, pub.next_attempt_at = ("withdraw_failed" if withdrawing else "failed"), None
            publish_on_commit(s, PublicationFailed(post_id=pub.post_id, target=pub.target, error=pub.error))
        else:
            delay = min(cfg.publish_retry_base_s * 2 ** (pub.attempts - 1), cfg.publish_retry_max_s)
            pub.next_attempt_at = now + timedelta(seconds=delay)
        s.flush()
        _audit(s, SYSTEM, pub, before, pub.status if pub.status.endswith("failed") else "attempt_failed")


def advance(db: Database, pub_id: int, now: datetime, api: WxApi, cfg: NewMediaSettings) -> None:
    """Take as many steps as succeed now (until one fails, waits for WeChat, or the last)."""
    for _ in range(len(ACTIVE) + 1):
        w = _read(db, pub_id, now)
        if w is None:
            return
        if w.target == "website":
            _write(
                db,
                w,
                {"status": "published", "url": site.page_url(cfg.site_url, w.post_id), "published_at": now},
                now,
            )
            continue
        try:
            changes = _wechat_step(api, w, cfg, now)
        except Retry as exc:
            _fail(db, w, exc, False, cfg, now)
            return
        except Fatal as exc:
            _fail(db, w, exc, True, cfg, now)
            return
        _write(db, w, changes, now)


def run_due(
    db: Database,
    now: datetime | None = None,
    settings: NewMediaSettings | None = None,
    channel_settings: ChannelSettings | None = None,
    limit: int = 50,
) -> int:
    """Advance every publication that is due; returns how many were looked at."""
    now = now or utcnow()
    cfg = settings or get_newmedia_settings()
    stmt = (
        select(Publication.id)
        .where(Publication.status.in_(ACTIVE))
        .where(Publication.next_attempt_at.is_(None) | (Publication.next_attempt_at <= now))
        .order_by(Publication.id)
        .limit(limit)
    )
    with db.session() as s:
        ids = list(s.scalars(stmt))
    if not ids:
        return 0
    with httpx.Client(timeout=15.0) as client:
        api = WxApi(channel_settings or get_channel_settings(), client)
        for pub_id in ids:
            advance(db, pub_id, now, api, cfg)
    return len(ids)
