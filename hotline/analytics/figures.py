"""Report figures from rollup sums, with their comparisons: one definition per figure (the calls'
are docs/kpi.md's; the work orders' are in docs/analytics.md), used by pages, exports and tests.

A rate with nothing to divide is None (shown as "—"), never 0 %; a change (环比/同比) is the
relative change of each figure, None when the earlier figure is 0 or None."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Sums = Mapping[str, float]


def _rate(n: float, d: float) -> float | None:
    return round(n / d, 4) if d else None


def _mean(total: float, n: float) -> float | None:
    return round(total / n, 1) if n else None


def call_figures(s: Sums, center: bool) -> dict[str, Any]:
    """`center`: the whole center, where a caller overflowing between queues counts once."""
    offered = s.get("entered", 0) if center else s.get("offered", 0)
    lost = s.get("lost_center", 0) if center else s.get("lost", 0)
    answered, abandoned = s.get("answered", 0), s.get("abandoned", 0)
    resolved = answered + abandoned + lost
    return {
        "offered": int(offered),
        "answered": int(answered),
        "abandoned": int(abandoned),
        "short_abandoned": int(s.get("short_abandoned", 0)),
        "lost": int(lost),
        "callbacks": int(s.get("callbacks", 0)),
        "completed": int(s.get("completed", 0)),
        "answer_rate": _rate(answered, resolved),
        "abandon_rate": _rate(abandoned, resolved),
        "service_level": _rate(s.get("answered_15s", 0), resolved),
        "asa": _mean(s.get("wait_total", 0.0), answered),
        "aht": _mean(s.get("talk_total", 0.0), s.get("completed", 0)),
    }


def order_figures(s: Sums) -> dict[str, Any]:
    closed = s.get("closed", 0)
    return {
        "orders": int(s.get("orders", 0)),
        "closed": int(closed),
        "closed_on_time": int(s.get("closed_on_time", 0)),
        "on_time_rate": _rate(s.get("closed_on_time", 0), closed),
        "supervised": int(s.get("supervised", 0)),
        "visited": int(s.get("visited", 0)),
        "satisfied": int(s.get("satisfied", 0)),
        "satisfaction_rate": _rate(s.get("satisfied", 0), s.get("visited", 0)),
        "received": int(s.get("received", 0)),
        "received_on_time": int(s.get("received_on_time", 0)),
        "receive_on_time_rate": _rate(s.get("received_on_time", 0), s.get("received", 0)),
        "replied": int(s.get("replied", 0)),
        "replied_on_time": int(s.get("replied_on_time", 0)),
        "reply_on_time_rate": _rate(s.get("replied_on_time", 0), s.get("replied", 0)),
        "extended": int(s.get("extended", 0)),
        "returned": int(s.get("returned", 0)),
    }


def change(now: Mapping[str, Any], before: Mapping[str, Any]) -> dict[str, float | None]:
    """Relative change of every figure (0.1 = +10 %)."""
    out: dict[str, float | None] = {}
    for name, value in now.items():
        old = before.get(name)
        out[name] = None if value is None or not old else round((value - old) / old, 4)
    return out


def is_empty(s: Sums) -> bool:
    return not any(s.values())


# The figures' Chinese names (docs/analytics.md), for the mailed Excel and PDF.
FIGURE_ZH = {
    "offered": "呼入",
    "answered": "接通",
    "abandoned": "放弃",
    "short_abandoned": "短时放弃",
    "lost": "溢出未接",
    "callbacks": "回呼",
    "completed": "完成",
    "answer_rate": "接通率",
    "abandon_rate": "放弃率",
    "service_level": "15秒接通率",
    "asa": "平均应答速度(秒)",
    "aht": "平均处理时长(秒)",
    "orders": "工单数",
    "closed": "办结",
    "closed_on_time": "按时办结",
    "on_time_rate": "按时办结率",
    "supervised": "督办",
    "visited": "已回访",
    "satisfied": "满意",
    "satisfaction_rate": "满意率",
    "received": "签收",
    "received_on_time": "按时签收",
    "receive_on_time_rate": "按时签收率",
    "replied": "答复",
    "replied_on_time": "按时答复",
    "reply_on_time_rate": "按时答复率",
    "extended": "延期",
    "returned": "退单",
}
RATES = {
    *("answer_rate", "abandon_rate", "service_level", "on_time_rate", "satisfaction_rate"),
    *("receive_on_time_rate", "reply_on_time_rate"),
}
