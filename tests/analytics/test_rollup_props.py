"""Property tests: every report figure equals a naive recomputation from the raw rows, across
midnight, month and holiday boundaries (National Day 2025, whose make-up Saturday is 11 Oct), for
days, weeks, months, a year and ranges whose whole months come from the month tables, after
batches rolled at random points, and after a crash in the middle of a rollup (the figures stay
those before the batch; the next run counts the batch once). The orders' timeline steps (dispatch,
receive, reply, return, extension, reopen, in any order and on either side of their deadlines) give
the on-time receive and reply rates, extensions and returns. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.analytics import callroll, orderroll, reports, rollup
from hotline.analytics.periods import Kind, Period, month, resolve
from hotline.store.db import Database
from tests.analytics.helpers import (
    Line,
    add_lines,
    add_order,
    add_steps,
    categories,
    clear,
    local_day,
    naive_calls,
    naive_orders,
    touch,
)

# Local midnight of 1 Oct 2025 (a holiday, a month's first day), and of 1 Jan 2026.
BOUNDARIES = [datetime(2025, 9, 30, 16, tzinfo=UTC), datetime(2025, 12, 31, 16, tzinfo=UTC)]
QUARTERS = st.integers(0, 160).map(lambda n: n / 4)  # exact in binary: sums never round apart

line_st = st.builds(
    lambda kind, queue, agent, base, offset, wait, overflow, joined, talk: Line(
        kind=kind,
        queue=queue,
        at=base + timedelta(seconds=offset),
        agent_id=agent if kind in ("connect", "complete") else None,
        wait=wait if kind in ("connect", "abandon", "timeout", "callback_failed") else None,
        data={"overflow": overflow}
        if kind == "timeout"
        else {"joined": True}
        if kind == "connect" and joined
        else {"talk": talk}
        if kind == "complete"
        else {},
    ),
    st.sampled_from(
        [
            *("enter", "enter", "connect", "connect", "abandon", "timeout", "overflow", "callback"),
            *("complete", "callback_failed", "ring_no_answer"),
        ]
    ),
    st.sampled_from(["q1", "q2"]),
    st.sampled_from([None, 1, 2]),
    st.sampled_from(BOUNDARIES),
    st.integers(-3 * 86_400, 3 * 86_400),
    QUARTERS,
    st.sampled_from(["voicemail", "hangup", "queue", "callback"]),
    st.booleans(),
    QUARTERS,
)


class Crash(Exception):
    pass


def _crash_mid_batch(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run one calls batch that dies after writing its slots, before the commit."""
    real_add = callroll.add

    def add_then_die(session: Any, sums: Any) -> None:
        real_add(session, sums)
        raise Crash

    with monkeypatch.context() as patch:
        patch.setattr(callroll, "add", add_then_die)
        with pytest.raises(Crash), db.session() as s:
            callroll.run_batch(s)


def _periods(lines: list[Line]) -> list[Period]:
    days = sorted({local_day(ln.at) for ln in lines})
    out = [Period(Kind.day, d, d) for d in days]
    out += [month(d) for d in {d.replace(day=1) for d in days}]
    out += [resolve(Kind.week, d, None, None, d) for d in days[:1]]
    if days:
        out.append(Period(Kind.custom, days[0], days[-1]))
    return out + LONG


# Periods read partly from the month tables: a year, and whole months with odd days either side.
LONG = [
    Period(Kind.year, date(2025, 1, 1), date(2025, 12, 31)),
    Period(Kind.custom, date(2025, 9, 29), date(2026, 1, 2)),
]


def _check_calls(db: Database, lines: list[Line]) -> None:
    with db.session() as s:
        periods = _periods(lines)
        for period in periods:
            got = reports.report(s, reports.CALLS, period, {"queue": None, "agent_id": None}, None)
            assert got["totals"] == naive_calls(lines, period.first, period.last), period
        for period in periods[: -len(LONG)][-1:] + LONG:  # the whole span, then the long periods
            whole_span = period not in LONG
            for queue in ("q1", "q2") if whole_span else ():
                got = reports.report(s, reports.CALLS, period, {"queue": queue, "agent_id": None}, None)
                assert got["totals"] == naive_calls(lines, period.first, period.last, queue), (period, queue)
            by_q = reports.report(s, reports.CALLS, period, {"queue": None, "agent_id": None}, "queue")
            for row in by_q["rows"]:
                assert row["figures"] == naive_calls(lines, period.first, period.last, row["key"])
            # The half-hour × queue × agent slots (by agent, by half hour) and the hours or months
            # (by hour) hold the same lines.
            want = naive_calls(lines, period.first, period.last)
            for by in ("half_hour", "agent", "hour") if whole_span else ("hour", "agent"):
                rows = reports.report(s, reports.CALLS, period, {"queue": None, "agent_id": None}, by)["rows"]
                for name in ("offered", "answered", "abandoned", "short_abandoned", "lost", "completed"):
                    assert sum(r["figures"][name] for r in rows) == want[name], (by, name)
            if not whole_span:
                # By agent over whole months: the month × queue × agent table gives each agent the
                # figures the half-hour slots (checked against the lines above) give.
                none = {"queue": None, "agent_id": None}
                by_agent = reports.report(s, reports.CALLS, period, none, "agent")["rows"]
                reports.LEGACY_READS = True
                try:
                    from_slots = reports.report(s, reports.CALLS, period, none, "agent")["rows"]
                finally:
                    reports.LEGACY_READS = False
                assert by_agent == from_slots, period


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    batches=st.lists(st.lists(line_st, max_size=25), min_size=1, max_size=4),
    crash_after=st.integers(0, 3),
)
def test_call_figures_equal_naive_recomputation(
    db: Database, monkeypatch: pytest.MonkeyPatch, batches: list[list[Line]], crash_after: int
) -> None:
    clear(db)
    seen: list[Line] = []
    for i, batch in enumerate(batches):
        add_lines(db, batch)
        if i == crash_after and batch:
            _crash_mid_batch(db, monkeypatch)
            _check_calls(db, seen)  # the crashed batch left every figure as before it
        rollup.catch_up(db)
        seen += batch
    _check_calls(db, seen)
    rollup.rebuild(db)
    _check_calls(db, seen)


STEPS = ["dispatch", "receive", "reply", "return", "approve_extension", "reopen", "request_extension"]
STEP_AT = [0, 600, 3600, 86_400, 86_400 * 3, 86_400 * 6]  # on, before and after the deadlines
order_st = st.fixed_dictionaries(
    {
        "base": st.sampled_from(BOUNDARIES),
        "offset": st.integers(-3 * 86_400, 3 * 86_400),
        "category": st.sampled_from([None, 0, 1]),
        "district": st.sampled_from([None, "东城区", "西城区"]),
        "department_id": st.sampled_from([None, 1, 2]),
        "channel": st.sampled_from(["phone", "web", "sms"]),
        "state": st.sampled_from(["accepted", "dispatched", "closed", "replied"]),
        "closed_after": st.sampled_from([None, 3600, 86_400 * 5]),
        "due_after": st.sampled_from([None, 86_400 * 2]),
        "satisfaction": st.sampled_from([None, "satisfied", "basically_satisfied", "unsatisfied"]),
        "supervised": st.booleans(),
        "receive_due_after": st.sampled_from([None, 3600, 86_400 * 2]),
        "reply_due_after": st.sampled_from([None, 86_400, 86_400 * 4]),
        # Timeline steps at seconds after creation, in any order (re-dispatched, reopened...).
        "steps": st.lists(st.tuples(st.sampled_from(STEPS), st.sampled_from(STEP_AT)), max_size=5),
    }
)


def _order_fields(spec: dict[str, Any], cats: list[int]) -> dict[str, Any]:
    created = spec["base"] + timedelta(seconds=spec["offset"])
    return {
        "created_at": created,
        "category_id": None if spec["category"] is None else cats[spec["category"]],
        "district": spec["district"],
        "department_id": spec["department_id"],
        "channel": spec["channel"],
        "state": spec["state"],
        "closed_at": None
        if spec["closed_after"] is None
        else created + timedelta(seconds=spec["closed_after"]),
        "close_due_at": None if spec["due_after"] is None else created + timedelta(seconds=spec["due_after"]),
        "satisfaction": spec["satisfaction"],
        "supervised": spec["supervised"],
        "receive_due_at": None
        if spec["receive_due_after"] is None
        else created + timedelta(seconds=spec["receive_due_after"]),
        "reply_due_at": None
        if spec["reply_due_after"] is None
        else created + timedelta(seconds=spec["reply_due_after"]),
    }


def _check_orders(db: Database, days: set[date], cats: list[int]) -> None:
    periods = [Period(Kind.day, d, d) for d in days] + [month(d) for d in {d.replace(day=1) for d in days}]
    periods += LONG
    with db.session() as s:
        for period in periods:
            none = dict.fromkeys(("category_id", "district", "department_id", "channel", "state"))
            got = reports.report(s, reports.ORDERS, period, none, "department")
            assert got["totals"] == naive_orders(db, period.first, period.last), period
            for row in got["rows"]:
                dep = row["key"] or None
                assert row["figures"] == naive_orders(db, period.first, period.last, department_id=dep)
            got = reports.report(s, reports.ORDERS, period, {**none, "district": "东城区"}, "category")
            for row in got["rows"]:
                cat = row["key"] or None
                want = naive_orders(db, period.first, period.last, district="东城区", category_id=cat)
                assert row["figures"] == want
        for period in LONG:
            # By state, filtered on channel: the month × channel × state table.
            got = reports.report(s, reports.ORDERS, period, {**none, "channel": "web"}, "state")
            for row in got["rows"]:
                want = naive_orders(db, period.first, period.last, channel="web", state=row["key"])
                assert row["figures"] == want
            # By channel, filtered on a district: the month table with every key.
            got = reports.report(s, reports.ORDERS, period, {**none, "district": "东城区"}, "channel")
            for row in got["rows"]:
                want = naive_orders(db, period.first, period.last, district="东城区", channel=row["key"])
                assert row["figures"] == want


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    orders=st.lists(order_st, min_size=1, max_size=30),
    changes=st.lists(st.tuples(st.integers(0, 29), order_st), max_size=10),
    crash=st.booleans(),
)
def test_order_figures_equal_naive_recomputation(
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    orders: list[dict[str, Any]],
    changes: list[tuple[int, dict[str, Any]]],
    crash: bool,
) -> None:
    clear(db)
    cats = categories(db)
    with db.session() as s:
        ids = [add_order(s, **_order_fields(spec, cats)).id for spec in orders]
        for order_id, spec in zip(ids, orders, strict=True):
            add_steps(s, order_id, spec["steps"])
    rollup.catch_up(db)
    days = {local_day(_order_fields(spec, cats)["created_at"]) for spec in orders}
    _check_orders(db, days, cats)
    with db.session() as s:  # later changes: state, department, district... (not the creation day)
        for index, spec in changes:
            fields = _order_fields(spec, cats)
            fields.pop("created_at")
            touch(s, ids[index % len(ids)], **fields)
            add_steps(s, ids[index % len(ids)], spec["steps"])  # later steps of the same order
    if crash and changes:
        real = orderroll.recompute_days

        def recompute_then_die(session: Any, d: Any) -> None:
            real(session, d)
            raise Crash

        with monkeypatch.context() as patch:
            patch.setattr(orderroll, "recompute_days", recompute_then_die)
            with pytest.raises(Crash), db.session() as s:
                orderroll.run_batch(s)
    rollup.catch_up(db)
    _check_orders(db, days, cats)
    rollup.rebuild(db)
    _check_orders(db, days, cats)


def test_whole_months_read_the_smallest_order_table_that_holds_the_answer() -> None:
    none = dict.fromkeys(("category_id", "district", "department_id", "channel", "state"))
    pick = reports._months  # which table a report reads is the point here
    o = reports.ORDERS
    assert pick(o, o, none, "channel") is reports.ORDER_MONTHS_CHANNEL
    assert pick(o, o, {**none, "channel": "web"}, "state") is reports.ORDER_MONTHS_CHANNEL
    assert pick(o, o, none, None) is reports.ORDER_MONTHS_CHANNEL
    assert pick(o, o, none, "category") is reports.ORDER_MONTHS_NARROW
    assert pick(o, o, {**none, "district": "东城区"}, "department") is reports.ORDER_MONTHS_NARROW
    assert pick(o, o, {**none, "district": "东城区"}, "channel") is reports.ORDER_MONTHS
    assert pick(o, o, {**none, "state": "closed"}, "category") is reports.ORDER_MONTHS
    assert pick(o, o, none, "day") is None
