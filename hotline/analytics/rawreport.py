"""Reports counted straight from the raw rows of a period (repeat callers, knowledge use), in
the standard reports' shape: totals against the period before (环比) and a year before (同比),
rows by one dimension, each with its own comparisons. Distinct counts (callers, articles) do not
add up across rows, so the totals are counted apart. Capped at `MAX_DAYS` (a year) since nothing
is pre-summed: a longer period is a 422 naming `period` with the limit stated."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from hotline.analytics.figures import change
from hotline.analytics.periods import Period
from hotline.analytics.reports import NO_DATA
from hotline.errors import Invalid

MAX_DAYS = 366
Sums = dict[Any, dict[str, float]]


def check(period: Period) -> None:
    if period.days > MAX_DAYS:
        raise Invalid(
            f"this report covers at most {MAX_DAYS} days (asked for {period.days})",
            f"该报表最长 {MAX_DAYS} 天（所选 {period.days} 天）",
            field="period",
        )


def _period_out(p: Period) -> dict[str, Any]:
    return {"kind": p.kind.value, "first": p.first.isoformat(), "last": p.last.isoformat(), "days": p.days}


def build(
    name: str,
    period: Period,
    filters: Mapping[str, Any],
    by: str | None,
    sums: Callable[[Period, str | None], Sums],
    figures: Callable[[Mapping[str, float]], dict[str, Any]],
    label: Callable[[Any], str],
) -> dict[str, Any]:
    """`sums(period, by)`: per key (one key `None` when `by` is None) the counts of the period."""
    check(period)
    before, year_ago = period.previous(), period.last_year()
    total = {p: sums(p, None).get(None, {}) for p in (period, before, year_ago)}
    totals = figures(total[period])
    prev_t, year_t = figures(total[before]), figures(total[year_ago])
    empty = not any(total[period].values())
    out: dict[str, Any] = {
        "rollup": name,
        "period": _period_out(period),
        "previous": _period_out(before),
        "last_year": _period_out(year_ago),
        "filters": {k: v for k, v in filters.items() if v is not None},
        "by": by,
        "empty": empty,
        "note": NO_DATA[0] if empty else None,
        "note_zh": NO_DATA[1] if empty else None,
        "totals": totals,
        "totals_previous": prev_t,
        "totals_last_year": year_t,
        "mom": change(totals, prev_t),
        "yoy": change(totals, year_t),
        "rows": [],
    }
    if by is None:
        return out
    now, prev, year = sums(period, by), sums(before, by), sums(year_ago, by)
    for key in sorted(now, key=lambda k: (str(type(k)), k)):
        f = figures(now[key])
        out["rows"].append(
            {
                "key": key.isoformat() if isinstance(key, date) else key,
                "label": label(key),
                "figures": f,
                "mom": change(f, figures(prev.get(key, {}))),
                "yoy": change(f, figures(year.get(key, {}))),
            }
        )
    return out


def rate(n: float, d: float) -> float | None:
    return round(n / d, 4) if d else None
