"""What the analytics rollups read of the queue log: lines in id order after a high-water mark,
lines in a time range (rebuilds, drill-down) and the CDRs behind a figure. Read-only; the calls
domain owns these tables, analytics only asks here.

The queue log has one writer (`calls/writer.py`, one thread committing in order), so its ids grow
in commit order and an id high-water mark never skips a line committed late.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.calls.models import Call, QueueEventRow


@dataclass(frozen=True, slots=True)
class QueueLine:
    """One queue-log line as the rollups see it."""

    id: int
    call_uuid: str
    queue: str
    kind: str
    at: datetime
    agent_id: int | None
    wait: float | None
    data: dict[str, Any]


# Columns, not ORM objects: a rebuild reads millions of lines, and building an identity-mapped
# instance per line cost over half of its time.
_COLS = (
    QueueEventRow.id,
    QueueEventRow.call_uuid,
    QueueEventRow.queue,
    QueueEventRow.kind,
    QueueEventRow.at,
    QueueEventRow.agent_id,
    QueueEventRow.wait_seconds,
    QueueEventRow.data,
)


def _lines(rows: Iterable[Any]) -> list[QueueLine]:
    return [QueueLine(i, u, q, k, at, a, w, dict(d or {})) for i, u, q, k, at, a, w, d in rows]


def lines_after(session: Session, after_id: int, limit: int) -> list[QueueLine]:
    """Up to `limit` lines with id > `after_id`, in id order."""
    stmt = select(*_COLS).where(QueueEventRow.id > after_id).order_by(QueueEventRow.id).limit(limit)
    return _lines(session.execute(stmt))


def iter_lines(session: Session, batch: int = 20_000) -> Iterator[list[QueueLine]]:
    """Every line, in id order, a batch at a time (a full rebuild)."""
    last = 0
    while True:
        lines = lines_after(session, last, batch)
        if not lines:
            return
        yield lines
        last = lines[-1].id


def last_line_id(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(QueueEventRow.id), 0))) or 0)


def lines_between(session: Session, start: datetime, end: datetime) -> list[QueueLine]:
    """Lines with start <= at < end (naive recomputation, drill-down)."""
    stmt = select(*_COLS).where(QueueEventRow.at >= start, QueueEventRow.at < end).order_by(QueueEventRow.id)
    return _lines(session.execute(stmt))


def calls_by_uuid(session: Session, uuids: Sequence[str], limit: int) -> list[Call]:
    """The CDRs of these calls (at most `limit`), newest first."""
    if not uuids:
        return []
    stmt = select(Call).where(Call.uuid.in_(list(uuids)[:5000])).order_by(Call.id.desc()).limit(limit)
    return list(session.scalars(stmt))


@dataclass(frozen=True, slots=True)
class CallerCall:
    """An inbound call with its caller's number, as the repeat-caller report reads it."""

    id: int
    uuid: str
    number: str
    started_at: datetime
    queue: str
    agent_id: int


def inbound_between(session: Session, start: datetime, end: datetime) -> list[CallerCall]:
    """Inbound calls started in [start, end) that carry a caller number, by start then id."""
    rows = session.execute(
        select(Call.id, Call.uuid, Call.caller_number, Call.started_at, Call.queue, Call.agent_id)
        .where(
            Call.started_at >= start,
            Call.started_at < end,
            Call.direction == "inbound",
            Call.caller_number.is_not(None),
            Call.caller_number != "",
        )
        .order_by(Call.started_at, Call.id)
    ).all()
    return [CallerCall(int(i), u, n or "", at, q or "", int(a or 0)) for i, u, n, at, q, a in rows]
