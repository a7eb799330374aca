"""Ad-hoc pivots over the rollups (report builder): the catalogue of dimensions and measures an
analyst may combine, the check of a pivot's spec (an unknown dimension, measure or filter value is
a 422 naming the field) and the pivot itself, one GROUP BY on the smallest rollup that holds it.

Measures are report figures (`figures.py`), so a rate is computed from the group's sums, never
summed; dimensions derived from the day (month, ISO week, weekday, day type) are grouped by day in
SQL and folded here. A pivot answers at most `MAX_ROWS` rows, saying when it cut the rest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.analytics import pivot_labels, reports
from hotline.analytics.daytypes import day_type
from hotline.analytics.figures import call_figures, is_empty, order_figures
from hotline.analytics.periods import KIND_ZH, Period
from hotline.errors import Invalid

MAX_DIMENSIONS = 3
MAX_ROWS = 2_000
DAY_DERIVED = ("month", "week", "weekday", "day_type")


@dataclass(frozen=True)
class Measure:
    key: str
    zh: str
    en: str
    kind: str  # count | rate | seconds


@dataclass(frozen=True)
class Source:
    name: str
    zh: str
    dimensions: Mapping[str, tuple[str, str]]  # key -> (zh, en)
    measures: tuple[Measure, ...]
    filters: tuple[str, ...]


_DAY_DIMS = {
    "day": ("日期", "Day"),
    "week": ("周", "Week"),
    "month": ("月份", "Month"),
    "weekday": ("星期", "Weekday"),
    "day_type": ("日期类型", "Day type"),
}
CALLS = Source(
    "calls",
    "话务",
    {
        **_DAY_DIMS,
        "hour": ("小时", "Hour"),
        "half_hour": ("半小时", "Half hour"),
        "queue": ("队列", "Queue"),
        "agent": ("座席", "Agent"),
    },
    (
        Measure("offered", "呼入", "Offered", "count"),
        Measure("answered", "接通", "Answered", "count"),
        Measure("abandoned", "放弃", "Abandoned", "count"),
        Measure("short_abandoned", "短时放弃", "Short abandons", "count"),
        Measure("lost", "溢出未接", "Lost", "count"),
        Measure("callbacks", "回呼", "Callbacks", "count"),
        Measure("completed", "完成通话", "Completed", "count"),
        Measure("answer_rate", "接通率", "Answer rate", "rate"),
        Measure("abandon_rate", "放弃率", "Abandon rate", "rate"),
        Measure("service_level", "15秒接通率", "Service level (15 s)", "rate"),
        Measure("asa", "平均应答速度(秒)", "ASA (s)", "seconds"),
        Measure("aht", "平均处理时长(秒)", "AHT (s)", "seconds"),
    ),
    ("queue", "agent_id"),
)
ORDERS = Source(
    "orders",
    "工单",
    {
        **_DAY_DIMS,
        "category": ("分类", "Category"),
        "district": ("区县", "District"),
        "department": ("承办单位", "Department"),
        "channel": ("渠道", "Channel"),
        "state": ("状态", "State"),
    },
    (
        Measure("orders", "工单数", "Orders", "count"),
        Measure("closed", "办结", "Closed", "count"),
        Measure("closed_on_time", "按时办结", "Closed on time", "count"),
        Measure("on_time_rate", "按时办结率", "On-time rate", "rate"),
        Measure("supervised", "督办", "Supervised", "count"),
        Measure("visited", "已回访", "Visited", "count"),
        Measure("satisfied", "满意", "Satisfied", "count"),
        Measure("satisfaction_rate", "满意率", "Satisfaction rate", "rate"),
        Measure("received", "签收", "Received", "count"),
        Measure("receive_on_time_rate", "按时签收率", "Received on time", "rate"),
        Measure("replied", "答复", "Replied", "count"),
        Measure("reply_on_time_rate", "按时答复率", "Replied on time", "rate"),
        Measure("extended", "延期", "Extended", "count"),
        Measure("returned", "退单", "Returned", "count"),
    ),
    ("category_id", "district", "department_id", "channel", "state"),
)
SOURCES = {"calls": CALLS, "orders": ORDERS}


def catalogue() -> dict[str, Any]:
    """What the builder offers, with Chinese and English names."""
    return {
        name: {
            "name": s.name,
            "zh": s.zh,
            "dimensions": [{"key": k, "zh": zh, "en": en} for k, (zh, en) in s.dimensions.items()],
            "measures": [{"key": m.key, "zh": m.zh, "en": m.en, "kind": m.kind} for m in s.measures],
            "filters": list(s.filters),
            "max_dimensions": MAX_DIMENSIONS,
        }
        for name, s in SOURCES.items()
    }


@dataclass(frozen=True)
class Spec:
    rollup: str
    dimensions: tuple[str, ...]
    measures: tuple[str, ...]
    filters: Mapping[str, Any]


def check(spec: Spec) -> Source:
    """The spec's source, or a 422 whose `field` names what cannot be."""
    source = SOURCES.get(spec.rollup)
    if source is None:
        raise Invalid(
            f"unknown rollup {spec.rollup!r} (calls or orders)", f"未知的数据集 {spec.rollup}", field="rollup"
        )
    for name in spec.dimensions:
        if name not in source.dimensions:
            raise Invalid(
                f"unknown dimension {name!r} for {source.name} (one of {', '.join(source.dimensions)})",
                f"{source.zh}数据没有维度 {name}",
                field="dimensions",
                value=name,
            )
    if not spec.dimensions:
        raise Invalid("choose at least one dimension", "请至少选择一个维度", field="dimensions")
    if len(set(spec.dimensions)) != len(spec.dimensions):
        raise Invalid("a dimension is chosen twice", "维度重复", field="dimensions")
    if len(spec.dimensions) > MAX_DIMENSIONS:
        raise Invalid(
            f"at most {MAX_DIMENSIONS} dimensions", f"最多选择 {MAX_DIMENSIONS} 个维度", field="dimensions"
        )
    known = {m.key for m in source.measures}
    if not spec.measures:
        raise Invalid("choose at least one measure", "请至少选择一个指标", field="measures")
    for name in spec.measures:
        if name not in known:
            raise Invalid(
                f"unknown measure {name!r} for {source.name} (one of {', '.join(sorted(known))})",
                f"{source.zh}数据没有指标 {name}",
                field="measures",
                value=name,
            )
    for name, value in spec.filters.items():
        if value is not None and name not in source.filters:
            raise Invalid(
                f"{source.name} cannot be filtered by {name}",
                f"{source.zh}数据不能按 {name} 筛选",
                field=name,
            )
    reports.check_filters(reports.ORDERS if source is ORDERS else reports.CALLS, None, spec.filters)
    return source


def _rollup(source: Source, spec: Spec) -> reports.Rollup:
    if source is ORDERS:
        return reports.ORDERS
    by_agent = any(d in ("agent", "half_hour") for d in spec.dimensions)
    return reports.CALLS if by_agent or spec.filters.get("agent_id") is not None else reports.CALL_HOURS


def _parts(fine: reports.Rollup, spec: Spec, period: Period) -> list[tuple[reports.Rollup, date, date]]:
    """Where each stretch of the period is read: its whole months from the smallest month table
    with every dimension (but the month) and filter, the days around them from the day/hour/slot
    table."""
    months = reports.month_table(fine, [d for d in spec.dimensions if d != "month"], spec.filters)
    if months is None:
        return [(fine, period.first, period.last)]
    whole, edges = reports.split(period)
    parts = [(fine, a, b) for a, b in edges]
    if whole is not None:
        parts.append((months, whole[0], whole[1]))
    return parts


def _sql_dim(name: str) -> str:
    return "day" if name in DAY_DERIVED else name


def _column(rollup: reports.Rollup, name: str) -> Any:
    """A dimension's column; "day" is the table's date column (a month table's first day)."""
    return getattr(rollup.table, rollup.time) if name == "day" else rollup.dims[name]()


def _fold(name: str, value: Any) -> Any:
    if name == "hour":
        return int(value)
    if not isinstance(value, date):
        return value
    if name == "month":
        return f"{value.year:04d}-{value.month:02d}"
    if name == "week":
        iso = value.isocalendar()
        return f"{iso.year:04d}-W{iso.week:02d}"
    if name == "weekday":
        return value.isoweekday()
    if name == "day_type":
        return day_type(value).value
    return value.isoformat()


Groups = dict[tuple[Any, ...], dict[str, float]]


def _add(
    session: Session,
    rollup: reports.Rollup,
    first: date,
    last: date,
    spec: Spec,
    groups: Groups,
    total: dict[str, float],
) -> None:
    """Add one table's sums over first..last (inclusive) to the groups and the total."""
    table = rollup.table
    sql_names = list(dict.fromkeys(_sql_dim(d) for d in spec.dimensions))
    columns = [_column(rollup, n) for n in sql_names]
    sums = [func.coalesce(func.sum(getattr(table, m)), 0).label(m) for m in rollup.measures]
    when = getattr(table, rollup.time)
    stmt = select(*columns, *sums).where(when >= first, when <= last)
    for name, value in spec.filters.items():
        if value is not None:
            stmt = stmt.where(rollup.filters[name]() == value)
    if columns:
        stmt = stmt.group_by(*columns)
    for row in session.execute(stmt):
        values = tuple(row)
        by_sql = dict(zip(sql_names, values[: len(sql_names)], strict=True))
        key = tuple(_fold(d, by_sql[_sql_dim(d)]) for d in spec.dimensions)
        bucket = groups[key]
        for name, value in zip(rollup.measures, values[len(sql_names) :], strict=True):
            bucket[name] += float(value or 0)
            total[name] += float(value or 0)


def run(session: Session, spec: Spec, period: Period) -> dict[str, Any]:
    source = check(spec)
    fine = _rollup(source, spec)
    groups: Groups = defaultdict(lambda: dict.fromkeys(fine.measures, 0.0))
    total: dict[str, float] = dict.fromkeys(fine.measures, 0.0)
    for rollup, first, last in _parts(fine, spec, period):
        _add(session, rollup, first, last, spec, groups, total)
    center = source is CALLS and spec.filters.get("queue") is None and "queue" not in spec.dimensions
    figures: Callable[[Mapping[str, float]], dict[str, Any]] = (
        (lambda s: call_figures(s, center)) if source is CALLS else order_figures
    )
    labels = [pivot_labels.labeller(session, d) for d in spec.dimensions]
    keys = sorted(groups, key=lambda k: tuple((0, v) if isinstance(v, int) else (1, str(v)) for v in k))
    rows = []
    for key in keys[:MAX_ROWS]:
        f = figures(groups[key])
        rows.append(
            {
                "keys": list(key),
                "labels": [lab(v) for lab, v in zip(labels, key, strict=True)],
                "figures": {m: f[m] for m in spec.measures},
            }
        )
    t = figures(total)
    empty = is_empty(total)
    by_key = {m.key: m for m in source.measures}
    return {
        "rollup": source.name,
        "period": {
            "kind": period.kind.value,
            "first": period.first.isoformat(),
            "last": period.last.isoformat(),
        },
        "period_zh": f"{KIND_ZH[period.kind]} {period.first.isoformat()} 至 {period.last.isoformat()}",
        "dimensions": [
            {"key": d, "zh": source.dimensions[d][0], "en": source.dimensions[d][1]} for d in spec.dimensions
        ],
        "measures": [
            {"key": m, "zh": by_key[m].zh, "en": by_key[m].en, "kind": by_key[m].kind} for m in spec.measures
        ],
        "filters": {k: v for k, v in spec.filters.items() if v is not None},
        "rows": rows,
        "totals": {m: t[m] for m in spec.measures},
        "total_rows": len(keys),
        "truncated": len(keys) > MAX_ROWS,
        "empty": empty,
        "note": reports.NO_DATA[0] if empty else None,
        "note_zh": reports.NO_DATA[1] if empty else None,
    }
