"""Drill-down: the calls or work orders behind a figure of a report (same period and filters,
optionally one row's day or hour), a page at a time, masked as the reader's role requires."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from hotline.analytics.callroll import line_measures
from hotline.analytics.daytypes import day_range, day_type, local_slot
from hotline.analytics.periods import Period
from hotline.calls import history
from hotline.calls import stats as call_stats
from hotline.masking import mask_text
from hotline.workorders import stats as order_stats

MAX_ROWS = 200


def _range(period: Period, day: date | None) -> tuple[date, date]:
    if day is None:
        return period.first, period.last
    if not period.first <= day <= period.last:
        from hotline.errors import Invalid

        raise Invalid("day is outside the period", "day 不在报表期间内", field="day")
    return day, day


def calls(
    session: Session,
    period: Period,
    filters: Mapping[str, Any],
    day: date | None,
    hour: int | None,
    measure: str | None,
    pii: bool,
    limit: int = MAX_ROWS,
) -> dict[str, Any]:
    """CDRs whose queue-log lines make the figure (`measure`: only lines adding to it)."""
    first, last = _range(period, day)
    start, end = day_range(first, last)
    uuids: list[str] = []
    seen: set[str] = set()
    for line in call_stats.lines_between(session, start, end):
        if filters.get("queue") is not None and line.queue != filters["queue"]:
            continue
        if filters.get("agent_id") is not None and int(line.agent_id or 0) != filters["agent_id"]:
            continue
        if hour is not None and local_slot(line.at)[1] // 2 != hour:
            continue
        m = line_measures(line)
        if not m or (measure is not None and not m.get(measure)):
            continue
        if line.call_uuid not in seen:
            seen.add(line.call_uuid)
            uuids.append(line.call_uuid)
    rows = call_stats.calls_by_uuid(session, uuids, limit)
    return {"total": len(uuids), "items": [history.cdr_out(r, pii).model_dump(mode="json") for r in rows]}


def orders(
    session: Session,
    period: Period,
    filters: Mapping[str, Any],
    day: date | None,
    day_kind: str | None,
    limit: int = MAX_ROWS,
    after_id: int | None = None,
) -> dict[str, Any]:
    """Orders created in the period (or `day`, or only days of type `day_kind`) matching the
    report's filters; 0 / "" filter values mean none (as in the rollup)."""
    first, last = _range(period, day)
    wanted: dict[str, object] = {}
    for name, value in filters.items():
        if value is None:
            continue
        wanted[name] = None if value in (0, "") else value
    items: list[dict[str, Any]] = []
    d = first
    while d <= last and len(items) < limit:
        if day_kind is not None:
            while d <= last and day_type(d).value != day_kind:
                d += timedelta(days=1)
            if d > last:
                break
            run_last = d
        else:
            run_last = last
        start, end = day_range(d, run_last)
        for o in order_stats.orders_between(session, start, end, wanted, limit - len(items), after_id):
            items.append(
                {
                    "id": o.id,
                    "number": o.number,
                    "title": "（保密）" if o.confidential else mask_text(o.title),
                    "created_at": o.created_at.isoformat(),
                    "category_id": o.category_id,
                    "district": o.district,
                    "department_id": o.department_id,
                    "channel": o.channel,
                    "state": o.state,
                }
            )
        d = run_last + timedelta(days=1)
    return {"items": items, "next_after_id": items[-1]["id"] if len(items) == limit else None}
