"""The recordings index: search, playback with HTTP range requests, tags, retention.

Playback reads the WAV from disk in the requested byte range (RFC 9110 `Range: bytes=a-b`), so a
browser's audio element can seek in long calls. Every playback and every deletion is audited.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record, snapshot
from hotline.calls.models import Recording
from hotline.errors import HotlineError, NotFound
from hotline.people.phones import normalize_phone
from hotline.store.base import utcnow
from hotline.store.db import after_commit

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class RangeNotSatisfiable(HotlineError):
    status, code, title, title_zh = 416, "range_not_satisfiable", "Range not satisfiable", "请求范围无效"


def search(
    agent_id: int | None = None,
    caller: str | None = None,
    queue: str | None = None,
    tag: str | None = None,
    work_order_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select[Any]:
    stmt = select(Recording).where(Recording.deleted_at.is_(None))
    if agent_id is not None:
        stmt = stmt.where(Recording.agent_id == agent_id)
    if caller:
        stmt = stmt.where(Recording.caller_number == (normalize_phone(caller) or caller))
    if queue:
        stmt = stmt.where(Recording.queue == queue)
    if work_order_id is not None:
        stmt = stmt.where(Recording.work_order_id == work_order_id)
    if since is not None:
        stmt = stmt.where(Recording.started_at >= since)
    if until is not None:
        stmt = stmt.where(Recording.started_at < until)
    if tag:
        # Tags live in a small JSON document; a LIKE on its text works on SQLite and PostgreSQL alike.
        from sqlalchemy import String, cast

        # The JSON text escapes non-ASCII (\uXXXX), so search for the tag as JSON writes it.
        stmt = stmt.where(cast(Recording.tags, String).contains(json.dumps(tag), autoescape=True))
    return stmt


def get(session: Session, recording_id: int) -> Recording:
    row = session.get(Recording, recording_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(f"no recording {recording_id}", f"录音 {recording_id} 不存在")
    return row


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, end inclusive) for a Range header, None for the whole file."""
    if not header:
        return None
    m = _RANGE.match(header.strip())
    if m is None or (not m.group(1) and not m.group(2)):
        raise RangeNotSatisfiable("only one bytes=a-b range is supported", "仅支持单个字节范围", size=size)
    if m.group(1):
        start = int(m.group(1))
        end = int(m.group(2)) if m.group(2) else size - 1
    else:
        length = int(m.group(2))
        start, end = max(0, size - length), size - 1
    end = min(end, size - 1)
    if start > end or start >= size:
        raise RangeNotSatisfiable(f"range outside 0-{size - 1}", "请求范围超出文件大小", size=size)
    return start, end


def read(
    session: Session, actor: Actor, recording_id: int, range_header: str | None
) -> tuple[bytes, int, int, int]:
    """(bytes, start, end, size) of a recording, audited."""
    row = get(session, recording_id)
    path = Path(row.path)
    if not path.exists():
        raise NotFound("the recording file is missing", "录音文件不存在")
    size = path.stat().st_size
    rng = byte_range(range_header, size)
    start, end = rng if rng is not None else (0, size - 1)
    with open(path, "rb") as f:
        f.seek(start)
        data = f.read(end - start + 1)
    record(session, actor, "play", "recording", row.id, None, {"range": [start, end]})
    return data, start, end, size


def tag(
    session: Session,
    actor: Actor,
    recording_id: int,
    tags: list[str] | None,
    topic: str | None,
    work_order_id: int | None,
) -> Recording:
    row = get(session, recording_id)
    before = snapshot(row)
    doc = dict(row.tags or {})
    if tags is not None:
        doc["tags"] = sorted(set(tags))
    if topic is not None:
        doc["topic"] = topic
    row.tags = doc
    if work_order_id is not None:
        row.work_order_id = work_order_id
    session.flush()
    record(session, actor, "update", "recording", row.id, before, snapshot(row))
    return row


def apply_retention(session: Session, actor: Actor, days: int, now: datetime | None = None) -> int:
    """Delete recording files older than `days` (the index row stays, marked deleted).

    The rows are marked in this transaction and the files removed only once it commits, so a
    failure leaves every recording both indexed and on disk.
    """
    at = now or utcnow()
    cutoff = at - timedelta(days=days)
    rows = list(
        session.scalars(
            select(Recording).where(Recording.deleted_at.is_(None), Recording.started_at < cutoff)
        )
    )
    paths = [Path(row.path) for row in rows]
    for row in rows:
        row.deleted_at = at
    record(session, actor, "retention", "recording", None, None, {"days": days, "deleted": len(rows)})

    def remove_files() -> None:
        for path in paths:
            for file in (path, path.with_suffix(".json")):
                file.unlink(missing_ok=True)

    after_commit(session, remove_files)
    return len(rows)
