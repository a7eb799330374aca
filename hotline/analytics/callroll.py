"""The calls rollup: queue-log lines → measures per local half hour × queue × agent, the same
per local hour × queue (what most reports read: 24 × queues rows a day, not × agents), per local
month × hour × queue (what the whole months of a long period read), and per local month × queue
× agent (the whole months of a report by agent).

Every measure is a sum over lines (docs/kpi.md's counters, per line), so the rollup is additive:
a batch reads the lines after the high-water mark, adds their measures to the slots they fall in
and moves the mark, all in one transaction (`watermarks.claim` serialises batches), so a line is
counted exactly once however the process dies. `rebuild` recomputes everything from the log.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hotline.analytics import watermarks
from hotline.analytics.daytypes import local_slot
from hotline.analytics.models import CallAgentMonth, CallHour, CallMonth, CallSlot
from hotline.calls import stats
from hotline.calls.stats import QueueLine

SHORT_ABANDON_SECONDS = 5.0  # docs/kpi.md (hotline/calls/kpi.py)
SERVICE_LEVEL_SECONDS = 15.0  # GB/T 33358's "answer within 15 s"
BATCH = 5_000

MEASURES = (
    "offered",
    "entered",
    "answered",
    "answered_15s",
    "abandoned",
    "short_abandoned",
    "lost",
    "lost_center",
    "callbacks",
    "completed",
    "wait_total",
    "talk_total",
)
SlotKey = tuple[date, int, str, int]


def line_measures(line: QueueLine) -> dict[str, float]:
    """What one queue-log line adds (the per-queue counters of `calls/kpi.py`; `entered` and
    `lost_center` are the center's, which counts an overflowing caller once)."""
    kind, wait = line.kind, float(line.wait or 0.0)
    if kind == "enter":
        return {"offered": 1, "entered": 1}
    if kind in ("overflow", "transfer"):
        return {"offered": 1}
    if kind == "connect":
        if line.data.get("joined"):
            return {}
        return {"answered": 1, "answered_15s": int(wait <= SERVICE_LEVEL_SECONDS), "wait_total": wait}
    if kind == "abandon":
        short = wait < SHORT_ABANDON_SECONDS
        return {"short_abandoned": 1} if short else {"abandoned": 1}
    if kind == "callback_failed":
        return {"abandoned": 1}
    if kind == "timeout":
        overflow = line.data.get("overflow")
        out: dict[str, float] = {}
        if overflow != "callback":
            out["lost"] = 1
        if overflow in ("voicemail", "hangup"):
            out["lost_center"] = 1
        return out
    if kind == "callback":
        return {"callbacks": 1}
    if kind == "complete":
        return {"completed": 1, "talk_total": float(line.data.get("talk") or 0.0)}
    return {}


def aggregate(lines: Iterable[QueueLine]) -> dict[SlotKey, dict[str, float]]:
    out: dict[SlotKey, dict[str, float]] = defaultdict(lambda: dict.fromkeys(MEASURES, 0.0))
    for line in lines:
        measures = line_measures(line)
        if not measures:
            continue
        day, slot = local_slot(line.at)
        bucket = out[(day, slot, line.queue, int(line.agent_id or 0))]
        for name, value in measures.items():
            bucket[name] += value
    return out


def add(session: Session, sums: dict[SlotKey, dict[str, float]]) -> None:
    """Add `sums` to the half-hour slots, the hours and both month tables (one executemany upsert each:
    `INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n`, on SQLite and PostgreSQL)."""
    hours: dict[tuple[date, int, str], dict[str, float]] = {}
    agent_months: dict[tuple[date, str, int], dict[str, float]] = {}
    for (day, slot, queue, agent), values in sums.items():
        bucket = hours.setdefault((day, slot // 2, queue), dict.fromkeys(MEASURES, 0.0))
        by_agent = agent_months.setdefault((day.replace(day=1), queue, agent), dict.fromkeys(MEASURES, 0.0))
        for name in MEASURES:
            bucket[name] += values[name]
            by_agent[name] += values[name]
    slot_rows = [
        {"day": d, "slot": sl, "queue": q, "agent_id": a, **_typed(v)} for (d, sl, q, a), v in sums.items()
    ]
    months: dict[tuple[date, int, str], dict[str, float]] = {}
    for (day, hour, queue), values in hours.items():
        bucket = months.setdefault((day.replace(day=1), hour, queue), dict.fromkeys(MEASURES, 0.0))
        for name in MEASURES:
            bucket[name] += values[name]
    hour_rows = [{"day": d, "hour": h, "queue": q, **_typed(v)} for (d, h, q), v in hours.items()]
    month_rows = [{"month": m, "hour": h, "queue": q, **_typed(v)} for (m, h, q), v in months.items()]
    _upsert(session, cast(Table, CallSlot.__table__), slot_rows)
    _upsert(session, cast(Table, CallHour.__table__), hour_rows)
    _upsert(session, cast(Table, CallMonth.__table__), month_rows)
    agent_rows = [
        {"month": m, "queue": q, "agent_id": a, **_typed(v)} for (m, q, a), v in agent_months.items()
    ]
    _upsert(session, cast(Table, CallAgentMonth.__table__), agent_rows)


def _upsert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    mod = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = mod.insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key.columns],
        set_={name: table.c[name] + stmt.excluded[name] for name in MEASURES},
    )
    session.execute(stmt, rows)


def _typed(values: dict[str, float]) -> dict[str, float | int]:
    return {k: (v if k.endswith("_total") else int(v)) for k, v in values.items()}


def run_batch(session: Session, limit: int = BATCH) -> int:
    """One batch in the caller's transaction; returns how many lines it read (0: caught up)."""
    mark = watermarks.claim(session, watermarks.CALLS)
    lines = stats.lines_after(session, mark, limit)
    if not lines:
        return 0
    add(session, aggregate(lines))
    watermarks.move(session, watermarks.CALLS, lines[-1].id)
    return len(lines)


def rebuild(session: Session) -> int:
    """Recompute every slot from the whole log, in the caller's transaction."""
    watermarks.claim(session, watermarks.CALLS)
    session.execute(delete(CallSlot))
    session.execute(delete(CallHour))
    session.execute(delete(CallMonth))
    session.execute(delete(CallAgentMonth))
    total, last = 0, 0
    for lines in stats.iter_lines(session):
        add(session, aggregate(lines))
        total += len(lines)
        last = lines[-1].id
    watermarks.move(session, watermarks.CALLS, last)
    return total
