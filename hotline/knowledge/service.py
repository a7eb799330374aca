"""Writing articles: create, edit (a new version each time), workflow actions, rollback, and the
background `sweep` (scheduled publication, retirement at valid-until, reminders to owners).

Every write audits in the caller's transaction and marks the article for the search index
(`index.mark_dirty`); the index itself is updated after commit by `index.catch_up`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.service import SYSTEM, Actor, record, snapshot
from hotline.audit.writes import audited_update, check_version
from hotline.bus import publish_on_commit
from hotline.errors import Conflict, Invalid, NotFound
from hotline.knowledge.content import apply_content, changed_fields, content_of, get_version, is_served
from hotline.knowledge.index import mark_dirty, prune_outbox
from hotline.knowledge.models import Article, ArticleVersion
from hotline.knowledge.schemas import ArticleIn, ArticlePatch
from hotline.knowledge.topics import KnowledgeExpiryReminded, KnowledgePublished, KnowledgeRetired
from hotline.knowledge.workflow import State, transition
from hotline.store.base import utcnow


def get_article(session: Session, article_id: int) -> Article:
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound(f"article {article_id} does not exist", f"知识条目 {article_id} 不存在")
    return article


def is_expired(article: Article, now: datetime | None = None) -> bool:
    """Past its valid-until (the served one if served), or retired because it expired."""
    now = now or utcnow()
    if article.state == State.retired and article.retired_reason == "expired":
        return True
    until = article.live_valid_until if is_served(article) else article.valid_until
    return until is not None and until <= now


def _check_version(article: Article, version: int) -> None:
    check_version(article, version, "article")


def _check_dates(content: dict[str, Any]) -> None:
    start, end = content.get("valid_from"), content.get("valid_until")
    if isinstance(start, str):
        start = datetime.fromisoformat(start)
    if isinstance(end, str):
        end = datetime.fromisoformat(end)
    if start is not None and end is not None and end <= start:
        raise Invalid("valid_until must be after valid_from", "失效日期必须晚于生效日期")


def _add_version(session: Session, actor: Actor, article: Article, number: int, note: str) -> None:
    session.add(
        ArticleVersion(
            article_id=article.id,
            number=number,
            content=content_of(article),
            note=note,
            author_id=actor.id,
            author=actor.name,
        )
    )


def create_article(session: Session, actor: Actor, data: ArticleIn, note: str = "created") -> Article:
    content = data.model_dump()
    _check_dates(content)
    article = Article(state=State.draft, content_version=1, owner_id=actor.id)
    apply_content(article, content)
    session.add(article)
    session.flush()
    _add_version(session, actor, article, 1, note)
    record(session, actor, "knowledge.create", "article", article.id, None, snapshot(article))
    mark_dirty(session, article.id)
    return article


def _new_content_version(
    session: Session, actor: Actor, article: Article, content: dict[str, Any], note: str, action: str
) -> Article:
    """Apply changed content as a new version; a published article becomes a draft revision. The
    version was checked by the caller (unchanged content writes nothing, not even an audit row)."""
    old = content_of(article)
    merged = {**old, **content}
    _check_dates(merged)
    if not changed_fields(old, merged):
        return article
    with audited_update(session, actor, article, None, "article", "article", action):
        if article.state == State.retired:
            raise Conflict("reopen a retired article before editing it", "已下架的条目请先“重新编辑”再修改")
        if article.state == State.published:
            article.state = transition(article.state, "revise").target
        apply_content(article, merged)
        article.content_version += 1
    _add_version(session, actor, article, article.content_version, note)
    mark_dirty(session, article.id)
    return article


def update_article(session: Session, actor: Actor, article_id: int, data: ArticlePatch) -> Article:
    article = get_article(session, article_id)
    _check_version(article, data.version)
    content = data.model_dump(exclude={"version", "note"}, exclude_unset=True)
    return _new_content_version(session, actor, article, content, data.note or "edited", "knowledge.update")


def rollback(session: Session, actor: Actor, article_id: int, version: int, to_version: int) -> Article:
    """Make version `to_version`'s content the newest version (history is kept, never rewritten)."""
    article = get_article(session, article_id)
    _check_version(article, version)
    old = get_version(session, article_id, to_version)
    if old is None:
        raise NotFound(f"article {article_id} has no version {to_version}", f"该条目没有第 {to_version} 版")
    return _new_content_version(
        session, actor, article, dict(old.content), f"rollback to v{to_version}", "knowledge.rollback"
    )


def delete_article(session: Session, actor: Actor, article_id: int, version: int) -> None:
    """Delete a draft that was never published; anything agents may have seen is retired instead,
    so calls and work orders that cite it keep a readable history."""
    article = get_article(session, article_id)
    _check_version(article, version)
    if article.live_version is not None or article.state != State.draft:
        raise Conflict(
            "only a never-published draft can be deleted; retire this article instead",
            "只能删除从未发布的草稿，已发布过的条目请“下架”",
        )
    record(session, actor, "knowledge.delete", "article", article.id, snapshot(article), None)
    session.delete(article)
    session.flush()
    mark_dirty(session, article_id)


def _publish_now(article: Article, now: datetime) -> None:
    if article.valid_until is not None and article.valid_until <= now:
        raise Conflict("this article's valid-until date has passed", "该条目已过失效日期，不能发布")
    article.live_version = article.content_version
    article.live_valid_from = article.valid_from
    article.live_valid_until = article.valid_until
    article.publish_at = None
    article.reminded_at = None
    article.retired_reason = None


def act(
    session: Session,
    actor: Actor,
    article_id: int,
    action: str,
    version: int,
    note: str = "",
    publish_at: datetime | None = None,
    now: datetime | None = None,
) -> Article:
    """Run one workflow action from the transition table (409 when not allowed from this state)."""
    now = now or utcnow()
    article = get_article(session, article_id)
    _check_version(article, version)
    t = transition(article.state, action)
    if action == "revise":
        raise Conflict("a revision starts by editing the article", "修订请直接编辑条目")
    before = snapshot(article)
    audit_action = f"knowledge.{action}"
    if action == "publish" and publish_at is not None and publish_at > now:
        article.publish_at = publish_at
        audit_action = "knowledge.schedule"
    else:
        if action == "publish":
            _publish_now(article, now)
        elif action == "retire":
            article.retired_reason = "manual"
        elif action in ("reject", "withdraw"):
            article.publish_at = None
        article.state = t.target
    session.flush()
    record(session, actor, audit_action, "article", article.id, before, {**snapshot(article), "note": note})
    mark_dirty(session, article.id)
    if audit_action != "knowledge.schedule" and action in ("publish", "retire"):
        if action == "publish":
            publish_on_commit(session, KnowledgePublished(article_id=article.id))
        else:
            publish_on_commit(session, KnowledgeRetired(article_id=article.id))
    return article


def sweep(session: Session, now: datetime | None = None) -> dict[str, list[int]]:
    """The background job: publish what is scheduled, retire what expired, remind owners.

    Idempotent and safe to run often; returns the article ids touched per kind.
    """
    now = now or utcnow()
    done: dict[str, list[int]] = {"published": [], "retired": [], "reminded": []}
    due = session.scalars(
        select(Article)
        .where(Article.state == State.in_review, Article.publish_at <= now)
        .order_by(Article.id)
    )
    for article in list(due):
        before = snapshot(article)
        if article.valid_until is not None and article.valid_until <= now:
            article.publish_at = None  # too late: leave it in review rather than publish dead policy
            action = "knowledge.schedule_dropped"
        else:
            _publish_now(article, now)
            article.state = State.published
            done["published"].append(article.id)
            action = "knowledge.publish"
        record(session, SYSTEM, action, "article", article.id, before, snapshot(article))
        mark_dirty(session, article.id)
    expired = session.scalars(
        select(Article).where(
            Article.state != State.retired,
            Article.live_version.is_not(None),
            Article.live_valid_until <= now,
        )
    )
    for article in list(expired):
        before = snapshot(article)
        article.state = State.retired
        article.retired_reason = "expired"
        record(session, SYSTEM, "knowledge.retire", "article", article.id, before, snapshot(article))
        mark_dirty(session, article.id)
        done["retired"].append(article.id)
    soon = session.scalars(
        select(Article).where(
            Article.state != State.retired,
            Article.live_version.is_not(None),
            Article.live_valid_until.is_not(None),
            Article.reminded_at.is_(None),
        )
    )
    for article in list(soon):
        until = article.live_valid_until
        if until is not None and until - timedelta(days=article.remind_days) <= now:
            article.reminded_at = now
            done["reminded"].append(article.id)
    session.flush()
    for article_id in done["published"]:
        publish_on_commit(session, KnowledgePublished(article_id=article_id))
    for article_id in done["retired"]:
        publish_on_commit(session, KnowledgeRetired(article_id=article_id, reason="expired"))
    for article_id in done["reminded"]:
        reminded = session.get(Article, article_id)
        if reminded is not None:
            until = reminded.live_valid_until
            reminder = KnowledgeExpiryReminded(
                article_id=article_id,
                title=reminded.title,
                owner_id=reminded.owner_id,
                valid_until=until.isoformat() if until else None,
            )
            publish_on_commit(session, reminder)
    prune_outbox(session)
    return done
