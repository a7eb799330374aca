"""Standard reports over the rollups: a period's figures, the same for the period before (环比)
and a year before (同比), and rows by one dimension (hour, day, day type, queue, agent; category,
district, department, channel, state), each row with its own comparisons.

A period without data answers zeros with `empty: true` and a note, not an error; a filter value
that cannot exist (an unknown state or channel, a dimension the rollup does not have) is a 422
naming the field. Rows of `day` compare with the day at the same offset in the earlier period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.analytics import callroll, orderroll
from hotline.analytics.daytypes import DAY_TYPE_ZH, day_type
from hotline.analytics.figures import call_figures, change, is_empty, order_figures
from hotline.analytics.models import (
    CallAgentMonth,
    CallHour,
    CallMonth,
    CallSlot,
    OrderDay,
    OrderMonth,
    OrderMonthChannel,
    OrderMonthNarrow,
)
from hotline.analytics.periods import Period
from hotline.errors import Invalid
from hotline.workorders.labels import CHANNEL_ZH, category_paths, department_names
from hotline.workorders.states import STATE_ZH, State

Key = tuple[Any, ...]


@dataclass(frozen=True)
class Rollup:
    name: str
    table: Any
    measures: tuple[str, ...]
    dims: Mapping[str, Callable[[], Any]]
    filters: Mapping[str, Callable[[], Any]]
    time: str = "day"  # the date column: "day", or "month" (its first day) for the month tables


CALLS = Rollup(
    "calls",
    CallSlot,
    callroll.MEASURES,
    {
        "hour": lambda: (CallSlot.slot / 2).label("hour"),
        "half_hour": lambda: CallSlot.slot,
        "day": lambda: CallSlot.day,
        "day_type": lambda: CallSlot.day,  # folded from days in Python
        "queue": lambda: CallSlot.queue,
        "agent": lambda: CallSlot.agent_id,
    },
    {"queue": lambda: CallSlot.queue, "agent_id": lambda: CallSlot.agent_id},
)
# The same figures per hour × queue: read instead of the slots unless by agent or half hour.
CALL_HOURS = Rollup(
    "calls",
    CallHour,
    callroll.MEASURES,
    {
        "hour": lambda: CallHour.hour,
        "day": lambda: CallHour.day,
        "day_type": lambda: CallHour.day,
        "queue": lambda: CallHour.queue,
    },
    {"queue": lambda: CallHour.queue},
)
ORDERS = Rollup(
    "orders",
    OrderDay,
    orderroll.MEASURES,
    {
        "day": lambda: OrderDay.day,
        "day_type": lambda: OrderDay.day,
        "category": lambda: OrderDay.category_id,
        "district": lambda: OrderDay.district,
        "department": lambda: OrderDay.department_id,
        "channel": lambda: OrderDay.channel,
        "state": lambda: OrderDay.state,
    },
    {
        "category_id": lambda: OrderDay.category_id,
        "district": lambda: OrderDay.district,
        "department_id": lambda: OrderDay.department_id,
        "channel": lambda: OrderDay.channel,
        "state": lambda: OrderDay.state,
    },
)
# Per month: what the whole months of a period read (a year is 12 rows per cell, not 365).
CALL_MONTHS = Rollup(
    "calls",
    CallMonth,
    callroll.MEASURES,
    {"hour": lambda: CallMonth.hour, "queue": lambda: CallMonth.queue},
    {"queue": lambda: CallMonth.queue},
    "month",
)
# Per month × queue × agent: the whole months of a report by agent (or for one agent).
CALL_AGENT_MONTHS = Rollup(
    "calls",
    CallAgentMonth,
    callroll.MEASURES,
    {"queue": lambda: CallAgentMonth.queue, "agent": lambda: CallAgentMonth.agent_id},
    {"queue": lambda: CallAgentMonth.queue, "agent_id": lambda: CallAgentMonth.agent_id},
    "month",
)
ORDER_MONTHS = Rollup(
    "orders",
    OrderMonth,
    orderroll.MEASURES,
    {
        "category": lambda: OrderMonth.category_id,
        "district": lambda: OrderMonth.district,
        "department": lambda: OrderMonth.department_id,
        "channel": lambda: OrderMonth.channel,
        "state": lambda: OrderMonth.state,
    },
    {
        "category_id": lambda: OrderMonth.category_id,
        "district": lambda: OrderMonth.district,
        "department_id": lambda: OrderMonth.department_id,
        "channel": lambda: OrderMonth.channel,
        "state": lambda: OrderMonth.state,
    },
    "month",
)
# Per month without channel and state: for reports that neither group nor filter by them.
ORDER_MONTHS_NARROW = Rollup(
    "orders",
    OrderMonthNarrow,
    orderroll.MEASURES,
    {
        "category": lambda: OrderMonthNarrow.category_id,
        "district": lambda: OrderMonthNarrow.district,
        "department": lambda: OrderMonthNarrow.department_id,
    },
    {
        "category_id": lambda: OrderMonthNarrow.category_id,
        "district": lambda: OrderMonthNarrow.district,
        "department_id": lambda: OrderMonthNarrow.department_id,
    },
    "month",
)
# Per month × channel × state: for reports by channel or state (or none) that filter on neither
# category, district nor department.
ORDER_MONTHS_CHANNEL = Rollup(
    "orders",
    OrderMonthChannel,
    orderroll.MEASURES,
    {"channel": lambda: OrderMonthChannel.channel, "state": lambda: OrderMonthChannel.state},
    {"channel": lambda: OrderMonthChannel.channel, "state": lambda: OrderMonthChannel.state},
    "month",
)
ROLLUPS = {"calls": CALLS, "call_hours": CALL_HOURS, "orders": ORDERS}
# The bench's "before" column: no month tables, totals read apart from the rows (as before them).
LEGACY_READS = False
NO_DATA = ("no data in this period: every figure is zero", "该期间没有数据，各项指标均为零")


def check_filters(rollup: Rollup, by: str | None, filters: Mapping[str, Any]) -> None:
    """422 naming the field for a dimension or filter value that cannot exist."""
    if by is not None and by not in rollup.dims:
        raise Invalid(
            f"by={by!r} is not a dimension of {rollup.name} (one of {', '.join(rollup.dims)})",
            f"{rollup.name} 报表不能按 {by} 分组",
            field="by",
        )
    state = filters.get("state")
    if state is not None and state not in {s.value for s in State}:
        raise Invalid(f"unknown state {state!r}", f"未知的工单状态 {state}", field="state")
    channel = filters.get("channel")
    if channel is not None and channel not in CHANNEL_ZH:
        raise Invalid(f"unknown channel {channel!r}", f"未知的渠道 {channel}", field="channel")
    if by is not None and by in filters and filters[by] is not None:
        raise Invalid(
            f"grouping by {by} while filtering on one {by} gives one row: drop by or the filter",
            f"已按 {by} 筛选，不能再按 {by} 分组",
            field="by",
        )
    for name in ("agent_id", "category_id", "department_id"):
        value = filters.get(name)
        if value is not None and value < 0:
            raise Invalid(f"{name} must be 0 (none) or a positive id", f"{name} 无效", field=name)


def _source(rollup: Rollup, filters: Mapping[str, Any], by: str | None) -> Rollup:
    """The smallest table that holds the answer."""
    if rollup is CALLS and by not in ("agent", "half_hour") and filters.get("agent_id") is None:
        return CALL_HOURS
    return rollup


# The month tables over each finer table, smallest first.
MONTH_TABLES: dict[Any, tuple[Rollup, ...]] = {
    CALL_HOURS.table: (CALL_MONTHS,),
    CALLS.table: (CALL_AGENT_MONTHS,),
    ORDERS.table: (ORDER_MONTHS_CHANNEL, ORDER_MONTHS_NARROW, ORDER_MONTHS),
}


def month_table(fine: Rollup, dims: Iterable[str], filters: Mapping[str, Any]) -> Rollup | None:
    """The smallest month table over `fine` with every grouping and filter among its keys, if any
    (none by day, day type, week, or half hour): what the whole months of a period read."""
    wanted = list(dims)
    for table in MONTH_TABLES.get(fine.table, ()):
        if all(d in table.dims for d in wanted) and all(
            value is None or name in table.filters for name, value in filters.items()
        ):
            return table
    return None


def _months(rollup: Rollup, fine: Rollup, filters: Mapping[str, Any], by: str | None) -> Rollup | None:
    if LEGACY_READS:
        return None
    return month_table(fine, [by] if by else [], filters)


def split(period: Period) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """The whole months inside the period (first days of the first and last), and the days
    before and after them."""
    first_month = period.first if period.first.day == 1 else _next_month(period.first)
    after = _next_month(period.last) if _next_month(period.last) - timedelta(days=1) == period.last else None
    end_month = after or period.last.replace(day=1)  # first day after the whole months
    if first_month >= end_month:
        return None, [(period.first, period.last)]
    edges = []
    if period.first < first_month:
        edges.append((period.first, first_month - timedelta(days=1)))
    if end_month <= period.last:
        edges.append((end_month, period.last))
    return (first_month, (end_month - timedelta(days=1)).replace(day=1)), edges


def _next_month(d: date) -> date:
    return (d.replace(day=1) + timedelta(days=32)).replace(day=1)


def sums(
    session: Session, rollup: Rollup, period: Period, filters: Mapping[str, Any], by: str | None
) -> dict[Key, dict[str, float]]:
    """Sums by `by` over the period: its whole months from a month table where one can answer,
    the days around them (or all of it) from the day/hour/slot table."""
    fine = _source(rollup, filters, by)
    months_table = _months(rollup, fine, filters, by)
    parts: list[tuple[Rollup, date, date]] = [(fine, period.first, period.last)]
    if months_table is not None:
        months, edges = split(period)
        if months is not None:
            parts = [(fine, a, b) for a, b in edges] + [(months_table, *months)]
    out: dict[Key, dict[str, float]] = defaultdict(lambda: dict.fromkeys(rollup.measures, 0.0))
    for table_rollup, first, last in parts:
        _add_sums(out, session, table_rollup, first, last, filters, by)
    return out


def _add_sums(
    out: dict[Key, dict[str, float]],
    session: Session,
    rollup: Rollup,
    first: date,
    last: date,
    filters: Mapping[str, Any],
    by: str | None,
) -> None:
    table = rollup.table
    measures = [func.coalesce(func.sum(getattr(table, m)), 0).label(m) for m in rollup.measures]
    dims = [rollup.dims[by]()] if by else []
    time_col = getattr(table, rollup.time)
    stmt = select(*dims, *measures).where(time_col >= first, time_col <= last)
    for name, value in filters.items():
        if value is not None:
            stmt = stmt.where(rollup.filters[name]() == value)
    if dims:
        stmt = stmt.group_by(*dims)
    for row in session.execute(stmt):
        values = tuple(row)
        key: Key = tuple(values[: len(dims)])
        if by == "hour":
            key = (int(key[0]),)
        elif by == "day_type":
            key = (day_type(key[0]).value,)
        bucket = out[key]
        for name, value in zip(rollup.measures, values[len(dims) :], strict=True):
            bucket[name] += float(value or 0)


def _figures(rollup: Rollup, s: Mapping[str, float], center: bool) -> dict[str, Any]:
    return call_figures(s, center) if rollup is CALLS else order_figures(s)


def _day_offset(period: Period) -> Callable[[Key], Key]:
    return lambda key: ((key[0] - period.first).days,) if isinstance(key[0], date) else key


def report(
    session: Session, rollup: Rollup, period: Period, filters: Mapping[str, Any], by: str | None
) -> dict[str, Any]:
    check_filters(rollup, by, filters)
    center = rollup is CALLS and filters.get("queue") is None and by != "queue"
    before, year_ago = period.previous(), period.last_year()
    # With rows, each period's totals are the sum of its rows: one query per period, not two.
    grouped = by is not None and not LEGACY_READS
    rows_of = (
        {p: sums(session, rollup, p, filters, by) for p in (period, before, year_ago)} if grouped else {}
    )

    def total(p: Period) -> Mapping[str, float]:
        return _sum_rows(rows_of[p]) if grouped else sums(session, rollup, p, filters, None).get((), {})

    now_sums = total(period)
    totals = _figures(rollup, now_sums, center)
    prev_t = _figures(rollup, total(before), center)
    year_t = _figures(rollup, total(year_ago), center)
    out: dict[str, Any] = {
        "rollup": rollup.name,
        "period": _period_out(period),
        "previous": _period_out(before),
        "last_year": _period_out(year_ago),
        "filters": {k: v for k, v in filters.items() if v is not None},
        "by": by,
        "empty": is_empty(now_sums),
        "note": NO_DATA[0] if is_empty(now_sums) else None,
        "note_zh": NO_DATA[1] if is_empty(now_sums) else None,
        "totals": totals,
        "totals_previous": prev_t,
        "totals_last_year": year_t,
        "mom": change(totals, prev_t),
        "yoy": change(totals, year_t),
        "rows": [],
    }
    if by is None:
        return out
    rows_center = center and by not in ("queue",)
    for p in (period, before, year_ago):
        if p not in rows_of:
            rows_of[p] = sums(session, rollup, p, filters, by)
    rows_now = rows_of[period]
    align = _day_offset(period) if by == "day" else (lambda k: k)
    prev_rows = {(_day_offset(before)(k) if by == "day" else k): v for k, v in rows_of[before].items()}
    year_rows = {(_day_offset(year_ago)(k) if by == "day" else k): v for k, v in rows_of[year_ago].items()}
    labels = _labels(session, by)
    for key in sorted(rows_now, key=lambda k: tuple(str(x) for x in k) if by != "hour" else k):
        figures = _figures(rollup, rows_now[key], rows_center)
        aligned = align(key)
        prev = _figures(rollup, prev_rows.get(aligned, {}), rows_center)
        year = _figures(rollup, year_rows.get(aligned, {}), rows_center)
        value = key[0]
        out["rows"].append(
            {
                "key": value.isoformat() if isinstance(value, date) else value,
                "label": labels(value),
                "figures": figures,
                "mom": change(figures, prev),
                "yoy": change(figures, year),
            }
        )
    return out


def _sum_rows(rows: Mapping[Key, Mapping[str, float]]) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for bucket in rows.values():
        for name, value in bucket.items():
            out[name] += value
    return dict(out)


def _period_out(p: Period) -> dict[str, Any]:
    return {"kind": p.kind.value, "first": p.first.isoformat(), "last": p.last.isoformat(), "days": p.days}


def _labels(session: Session, by: str) -> Callable[[Any], str]:
    if by == "category":
        names = category_paths(session)
        return lambda v: names.get(v, "未分类" if not v else str(v))
    if by == "department":
        deps = department_names(session)
        return lambda v: deps.get(v, "未派单" if not v else str(v))
    if by == "state":
        return lambda v: STATE_ZH.get(State(v), v) if v in State.__members__ else str(v)
    if by == "channel":
        return lambda v: CHANNEL_ZH.get(v, v)
    if by == "day_type":
        return lambda v: next((zh for t, zh in DAY_TYPE_ZH.items() if t.value == v), v)
    if by == "district":
        return lambda v: v or "未填区县"
    if by == "agent":
        return lambda v: "无座席" if not v else f"#{v}"
    if by == "hour":
        return lambda v: f"{v:02d}:00"
    if by == "half_hour":
        return lambda v: f"{v // 2:02d}:{30 * (v % 2):02d}"
    return lambda v: v.isoformat() if isinstance(v, date) else str(v)
