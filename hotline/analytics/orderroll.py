"""The work-orders rollup: orders → counts per local creation day × category × district ×
department × channel × state (closed, on time, supervised, visited, satisfied; received and
replied and on time, extended, returned, from the timeline's steps).

An order's state (and department, category...) changes long after the day it was created, so this
rollup is not additive: a batch finds the days whose orders the timeline touched since the mark
(re-reading `OVERLAP` rows below it, since web requests commit out of id order) and recomputes
those days whole from the orders, replacing their rows, moves the months' rows
(`analytics_order_months`, `analytics_order_months_narrow`, `analytics_order_months_channel`) by
the difference, then moves the mark, all in one transaction.
Recomputing a day twice gives the same rows, so re-reading is harmless and a crash leaves the day
as it was.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hotline.analytics import watermarks
from hotline.analytics.daytypes import LOCAL, day_range
from hotline.analytics.models import OrderDay, OrderMonth, OrderMonthChannel, OrderMonthNarrow
from hotline.workorders import stats
from hotline.workorders.stats import OrderFacts

OVERLAP = 500
BATCH = 5_000
MEASURES = (
    *("orders", "closed", "closed_on_time", "supervised", "visited", "satisfied"),
    *("received", "received_on_time", "replied", "replied_on_time", "extended", "returned"),
)
# Each month table with its keys: its primary key after the month.
MONTH_TABLES = tuple(
    (model, tuple(c.name for c in cast(Table, model.__table__).primary_key.columns if c.name != "month"))
    for model in (OrderMonth, OrderMonthNarrow, OrderMonthChannel)
)
DayKey = tuple[date, int, str, int, str, str]


def _since_assigned(at: datetime | None, o: OrderFacts) -> bool:
    """A step of the current assignment: at or after its latest dispatch or reopen."""
    return at is not None and o.assigned_at is not None and at >= o.assigned_at


def _by(at: datetime | None, due: datetime | None) -> bool:
    return at is not None and (due is None or at <= due)


def order_measures(o: OrderFacts) -> dict[str, int]:
    """One order's counts (docs/analytics.md): closed on time against its close deadline;
    received (签收) and replied (答复) within the current assignment, on time against that step's
    deadline (none set counts as on time, as for closing); ever extended (延期, approved) or
    returned (退单)."""
    closed = o.closed_at is not None
    received = _since_assigned(o.received_at, o)
    replied = _since_assigned(o.replied_at, o)
    return {
        "orders": 1,
        "closed": int(closed),
        "closed_on_time": int(
            closed and o.closed_at is not None and (o.close_due_at is None or o.closed_at <= o.close_due_at)
        ),
        "supervised": int(o.supervised),
        "visited": int(o.satisfaction is not None),
        "satisfied": int(o.satisfied),
        "received": int(received),
        "received_on_time": int(received and _by(o.received_at, o.receive_due_at)),
        "replied": int(replied),
        "replied_on_time": int(replied and _by(o.replied_at, o.reply_due_at)),
        "extended": int(o.extended),
        "returned": int(o.returned),
    }


def aggregate(orders: Iterable[OrderFacts]) -> dict[DayKey, dict[str, int]]:
    out: dict[DayKey, dict[str, int]] = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    for o in orders:
        key = (
            o.created_at.astimezone(LOCAL).date(),
            int(o.category_id or 0),
            o.district or "",
            int(o.department_id or 0),
            o.channel,
            o.state,
        )
        bucket = out[key]
        for name, value in order_measures(o).items():
            bucket[name] += value
    return out


def recompute_days(session: Session, days: Iterable[date]) -> None:
    """Replace the rows of each day (consecutive days read in one range), and move the months'
    rows by the difference."""
    for first, last in _runs(sorted(set(days))):
        start, end = day_range(first, last)
        in_run = (OrderDay.day >= first, OrderDay.day <= last)
        old = [r._asdict() for r in session.execute(select(*OrderDay.__table__.columns).where(*in_run))]
        session.execute(delete(OrderDay).where(*in_run))
        rows = [
            {
                "day": k[0],
                "category_id": k[1],
                "district": k[2],
                "department_id": k[3],
                "channel": k[4],
                "state": k[5],
                **v,
            }
            for k, v in aggregate(stats.created_between(session, start, end)).items()
        ]
        if rows:
            session.execute(insert(OrderDay), rows)
        _move_months(session, old, rows)


def _move_months(session: Session, old: list[dict[str, Any]], new: list[dict[str, Any]]) -> None:
    """Add the new day rows and take away the old ones from their months, in each month table
    (one executemany upsert each), then drop the month rows left without orders."""
    for model, keys in MONTH_TABLES:
        delta: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
        for rows, sign in ((old, -1), (new, 1)):
            for r in rows:
                bucket = delta[(r["day"].replace(day=1), *(r[k] for k in keys))]
                for name in MEASURES:
                    bucket[name] += sign * r[name]
        changed = [
            {"month": k[0], **dict(zip(keys, k[1:], strict=True)), **v}
            for k, v in delta.items()
            if any(v.values())
        ]
        if not changed:
            continue
        table = cast(Table, model.__table__)
        mod = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        stmt = mod.insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=[c.name for c in table.primary_key.columns],
            set_={name: table.c[name] + stmt.excluded[name] for name in MEASURES},
        )
        session.execute(stmt, changed)
        months = sorted({r["month"] for r in changed})
        session.execute(delete(model).where(model.month.in_(months), model.orders == 0))


def _runs(days: list[date], span: int = 31) -> list[tuple[date, date]]:
    """Consecutive days grouped into runs of at most `span` days."""
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and day - runs[-1][1] == timedelta(days=1) and (day - runs[-1][0]).days < span:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def run_batch(session: Session, limit: int = BATCH) -> int:
    """One batch in the caller's transaction; returns how many new timeline rows it covered."""
    mark = watermarks.claim(session, watermarks.ORDERS)
    last, created = stats.touched_after(session, max(0, mark - OVERLAP), limit)
    if last <= mark:
        return 0
    recompute_days(session, (c.astimezone(LOCAL).date() for c in created))
    watermarks.move(session, watermarks.ORDERS, last)
    return last - mark


def rebuild(session: Session) -> int:
    """Recompute every day from the orders, in the caller's transaction; returns days written."""
    watermarks.claim(session, watermarks.ORDERS)
    last = stats.last_event_id(session)
    session.execute(delete(OrderDay))
    for model, _ in MONTH_TABLES:
        session.execute(delete(model))
    first, newest = stats.created_span(session)
    days = 0
    if first is not None and newest is not None:
        day, end = first.astimezone(LOCAL).date(), newest.astimezone(LOCAL).date()
        while day <= end:
            recompute_days(session, [day + timedelta(days=i) for i in range(31)])
            day += timedelta(days=31)
            days += 31
    watermarks.move(session, watermarks.ORDERS, last)
    return days
