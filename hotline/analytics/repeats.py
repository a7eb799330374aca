"""Repeat callers (重复来电): inbound calls from a number that had already called within N days
(`within` 1-90, default 7), and those about the same matter (the call and an earlier one in the
window were filed as work orders of the same category), by queue or agent, with the calls behind
each figure. Counted from the call records of the period and the N days before it (read through
`calls/stats.py`; the orders' categories through `workorders/stats.py`), defined in
docs/analytics.md.

A call is "earlier" by start time then id, so two calls in the same second still order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from hotline.analytics import rawreport
from hotline.analytics.daytypes import day_range
from hotline.analytics.periods import Period
from hotline.calls import history
from hotline.calls import stats as call_stats
from hotline.errors import Invalid
from hotline.workorders import stats as order_stats

BYS = ("queue", "agent")
MEASURES = ("calls", "repeat_calls", "same_matter_repeats", "callers", "repeat_callers")


@dataclass(frozen=True, slots=True)
class Seen:
    call: call_stats.CallerCall
    repeat: bool
    same_matter: bool
    previous: call_stats.CallerCall | None


def check(by: str | None, within: int) -> None:
    if by is not None and by not in BYS:
        raise Invalid(f"by must be one of {', '.join(BYS)}", f"分组 by 须为 {'、'.join(BYS)}", field="by")
    if not 1 <= within <= 90:
        raise Invalid("within is 1 to 90 days", "间隔天数 within 须为 1–90", field="within")


def classify(session: Session, period: Period, within: int, queue: str | None) -> list[Seen]:
    """Each inbound call of the period with a number: repeat or not, and about the same matter."""
    start, end = day_range(period.first, period.last)
    window = timedelta(days=within)
    calls = call_stats.inbound_between(session, start - window, end)
    matter = order_stats.call_categories(session, [c.uuid for c in calls])
    by_number: dict[str, list[call_stats.CallerCall]] = defaultdict(list)
    out: list[Seen] = []
    for c in calls:  # by start then id: each number's earlier calls are already listed
        earlier = [p for p in by_number[c.number] if c.started_at - p.started_at <= window]
        by_number[c.number] = [*earlier, c]
        if c.started_at < start or (queue is not None and c.queue != queue):
            continue
        cat = matter.get(c.uuid)
        same = next((p for p in reversed(earlier) if cat is not None and matter.get(p.uuid) == cat), None)
        out.append(Seen(c, bool(earlier), same is not None, same or (earlier[-1] if earlier else None)))
    return out


def _key(s: Seen, by: str | None) -> Any:
    return None if by is None else s.call.queue if by == "queue" else s.call.agent_id


def _sums(session: Session, within: int, queue: str | None) -> Any:
    def sums(period: Period, by: str | None) -> rawreport.Sums:
        counts: dict[Any, dict[str, float]] = defaultdict(lambda: dict.fromkeys(MEASURES, 0.0))
        numbers: dict[Any, set[str]] = defaultdict(set)
        repeaters: dict[Any, set[str]] = defaultdict(set)
        for s in classify(session, period, within, queue):
            key = _key(s, by)
            c = counts[key]
            c["calls"] += 1
            c["repeat_calls"] += s.repeat
            c["same_matter_repeats"] += s.same_matter
            numbers[key].add(s.call.number)
            if s.repeat:
                repeaters[key].add(s.call.number)
        for key, c in counts.items():
            c["callers"], c["repeat_callers"] = len(numbers[key]), len(repeaters[key])
        return dict(counts)

    return sums


def figures(s: Mapping[str, float]) -> dict[str, Any]:
    calls = s.get("calls", 0)
    return {
        "calls": int(calls),
        "repeat_calls": int(s.get("repeat_calls", 0)),
        "repeat_rate": rawreport.rate(s.get("repeat_calls", 0), calls),
        "same_matter_repeats": int(s.get("same_matter_repeats", 0)),
        "same_matter_rate": rawreport.rate(s.get("same_matter_repeats", 0), calls),
        "callers": int(s.get("callers", 0)),
        "repeat_callers": int(s.get("repeat_callers", 0)),
    }


def report(
    session: Session, period: Period, within: int, by: str | None, queue: str | None
) -> dict[str, Any]:
    check(by, within)
    label = (lambda v: v or "无队列") if by == "queue" else (lambda v: "无座席" if not v else f"#{v}")
    out = rawreport.build(
        "repeats",
        period,
        {"queue": queue, "within": within},
        by,
        _sums(session, within, queue),
        figures,
        label,
    )
    return out


def drill(
    session: Session,
    period: Period,
    within: int,
    queue: str | None,
    agent_id: int | None,
    same_matter: bool,
    pii: bool,
    limit: int = 200,
) -> dict[str, Any]:
    """The repeat calls behind a figure (only those about the same matter if asked), newest
    first, each with when that number called before."""
    check(None, within)
    rawreport.check(period)
    seen = [
        s
        for s in classify(session, period, within, queue)
        if (s.same_matter if same_matter else s.repeat) and (agent_id is None or s.call.agent_id == agent_id)
    ]
    before = {s.call.uuid: s.previous for s in seen}
    rows = call_stats.calls_by_uuid(session, [s.call.uuid for s in seen], limit)
    items = []
    for r in rows:
        prev = before.get(r.uuid)
        items.append(
            {
                **history.cdr_out(r, pii).model_dump(mode="json"),
                "previous_started_at": prev.started_at.isoformat() if prev else None,
                "previous_uuid": prev.uuid if prev else None,
            }
        )
    return {"total": len(seen), "items": items}
