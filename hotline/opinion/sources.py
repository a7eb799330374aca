"""Sources to watch (RSS/Atom feeds, list pages of articles): audited writes and the status view
(last fetch, why it failed, items so far, when it is next due)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, HttpUrl
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record, snapshot
from hotline.audit.writes import audited_update
from hotline.errors import NotFound
from hotline.opinion.models import OpinionSource
from hotline.schemas import StrictIn


class SourceIn(StrictIn):
    name: str = Field(min_length=1, max_length=100)
    kind: Literal["feed", "page", "weibo", "toutiao"] = Field(
        description="feed (RSS/Atom), page (a list page of articles), or a platform API (connectors.py)"
    )
    url: HttpUrl
    enabled: bool = True
    every_seconds: int = Field(900, ge=60, le=86_400)


class SourcePatch(StrictIn):
    version: int
    name: str | None = Field(None, min_length=1, max_length=100)
    url: HttpUrl | None = None
    enabled: bool | None = None
    every_seconds: int | None = Field(None, ge=60, le=86_400)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def view(src: OpinionSource) -> dict[str, Any]:
    return {
        "id": src.id,
        "name": src.name,
        "kind": src.kind,
        "url": src.url,
        "enabled": src.enabled,
        "every_seconds": src.every_seconds,
        "status": src.status,
        "reason": src.reason,
        "failures": src.failures,
        "items_total": src.items_total,
        "last_fetch_at": _iso(src.last_fetch_at),
        "last_ok_at": _iso(src.last_ok_at),
        "next_fetch_at": _iso(src.next_fetch_at),
        "version": src.version,
    }


def _get(session: Session, source_id: int) -> OpinionSource:
    src = session.get(OpinionSource, source_id)
    if src is None:
        raise NotFound("source not found", "来源不存在")
    return src


def listing(session: Session) -> list[dict[str, Any]]:
    return [view(s) for s in session.scalars(select(OpinionSource).order_by(OpinionSource.id))]


def create(session: Session, actor: Actor, body: SourceIn) -> dict[str, Any]:
    src = OpinionSource(
        name=body.name,
        kind=body.kind,
        url=str(body.url),
        enabled=body.enabled,
        every_seconds=body.every_seconds,
    )
    session.add(src)
    session.flush()
    record(session, actor, "opinion.source_create", "opinion_source", src.id, after=snapshot(src))
    return view(src)


def update(session: Session, actor: Actor, source_id: int, body: SourcePatch) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    if "url" in changes:
        changes["url"] = str(changes["url"])
        # A new address: old validators mean nothing there, and it is due at once.
        changes |= {"etag": None, "last_modified": None, "next_fetch_at": None, "failures": 0}
    if changes.get("enabled"):
        changes["next_fetch_at"] = None
    src = _get(session, source_id)
    # No version_id_col: the fetch job rewrites the status columns all the time, which must not
    # make an operator's edit stale; the version counts operators' edits only.
    with audited_update(
        session, actor, src, body.version, "source", "opinion_source", "opinion.source_update"
    ) as edit:
        edit.apply({**changes, "version": src.version + 1})
    return view(src)


def fetched_now(session: Session, actor: Actor, source_id: int) -> dict[str, Any]:
    """Audit an operator's 立即采集 (run by `jobs.run_source` in its own sessions) and show how
    it went."""
    src = _get(session, source_id)
    record(session, actor, "opinion.source_fetch_now", "opinion_source", src.id, after={"status": src.status})
    return view(src)
