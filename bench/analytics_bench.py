"""Analytics at scale on SQLite and PostgreSQL: monthly and yearly report p95 against a
primary-key read in the same run, the incremental calls rollup's throughput against 200 call
events/s, and the full rebuild's time and memory.

Run: .venv/bin/python -m bench.analytics_bench [--calls 1000000] [--orders 200000] [--db sqlite,postgresql]
History: two years (Dec 2024 – Nov 2026) of calls (~2.9 queue-log lines each: enter, then connect
+ complete, abandon or a voicemail timeout; 5 queues, 60 agents) and work orders (10 categories,
8 districts, 5 departments, 4 channels, 5 states). Reports go through `analytics.reports.report`
(the API minus HTTP; each report also computes its 环比 and 同比 periods), by day for the month
and by queue / category for the year; each twice in the same run, reading as before the month
tables (`reports.LEGACY_READS`) and as now.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from hotline.analytics import callroll, reports, rollup
from hotline.analytics.periods import Kind, Period, month, resolve
from hotline.calls.models import QueueEventRow
from hotline.people.models import Department
from hotline.store.db import Database
from hotline.store.migrate import upgrade
from hotline.workorders.models import Category, WorkOrder
from tests.pg import PgCluster

START = datetime(2024, 11, 30, 16, tzinfo=UTC)  # local midnight, 1 Dec 2024
SPAN = 730 * 86_400
DISTRICTS = ["东城区", "西城区", "朝阳区", "海淀区", "丰台区", "石景山区", "通州区", "顺义区"]


def pct(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100)[int(q * 100) - 1] if len(samples) > 10 else max(samples)


def timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def call_lines(n_calls: int, rnd: random.Random, start: datetime, span: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i in range(n_calls):
        at = start + timedelta(seconds=rnd.randrange(span))
        q, uuid = f"q{rnd.randrange(5)}", f"b{i}-{rnd.random():.6f}"
        rows.append({"call_uuid": uuid, "queue": q, "kind": "enter", "at": at, "data": {}})
        wait = round(rnd.expovariate(1 / 20), 1)
        r = rnd.random()
        if r < 0.85:
            agent = rnd.randrange(1, 61)
            t1 = at + timedelta(seconds=wait)
            rows.append(
                {
                    "call_uuid": uuid,
                    "queue": q,
                    "kind": "connect",
                    "at": t1,
                    "agent_id": agent,
                    "wait_seconds": wait,
                    "data": {},
                }
            )
            talk = round(rnd.uniform(30, 600), 1)
            rows.append(
                {
                    "call_uuid": uuid,
                    "queue": q,
                    "kind": "complete",
                    "at": t1 + timedelta(seconds=talk),
                    "agent_id": agent,
                    "data": {"talk": talk},
                }
            )
        elif r < 0.95:
            rows.append(
                {
                    "call_uuid": uuid,
                    "queue": q,
                    "kind": "abandon",
                    "at": at + timedelta(seconds=wait),
                    "wait_seconds": wait,
                    "data": {},
                }
            )
        else:
            rows.append(
                {
                    "call_uuid": uuid,
                    "queue": q,
                    "kind": "timeout",
                    "at": at + timedelta(seconds=90),
                    "wait_seconds": 90.0,
                    "data": {"overflow": "voicemail"},
                }
            )
    return rows


def order_row(
    i: int, created: datetime, rnd: random.Random, cats: list[int], deps: list[int]
) -> dict[str, Any]:
    """Work order `i` of the synthetic history, created at `created` (70 % closed within 12 days)."""
    closed = rnd.random() < 0.7
    return {
        "number": f"B{i:09d}",
        "type": "complaint",
        "title": "标题",
        "content": "内容",
        "state": "closed" if closed else rnd.choice(["accepted", "dispatched", "received", "replied"]),
        "channel": rnd.choice(["phone", "web", "sms", "wechat"]),
        "category_id": rnd.choice(cats),
        "district": rnd.choice(DISTRICTS),
        "department_id": rnd.choice(deps),
        "created_at": created,
        "updated_at": created,
        "closed_at": created + timedelta(days=rnd.uniform(0.1, 12)) if closed else None,
        "close_due_at": created + timedelta(days=10),
        "version": 1,
    }


def load(db: Database, calls: int, orders: int) -> dict[str, float]:
    rnd = random.Random(16)
    t = time.perf_counter()
    chunk = 50_000
    for done in range(0, calls, chunk):
        rows = call_lines(min(chunk, calls - done), rnd, START, SPAN)
        with db.session() as s:
            s.execute(insert(QueueEventRow), rows)
    with db.session() as s:
        cats = []
        for i in range(10):
            c = Category(code=f"B{i}", name=f"分类{i}")
            s.add(c)
            s.flush()
            cats.append(c.id)
        deps = []
        for i in range(5):
            d = Department(code=f"BD{i}", name=f"部门{i}")
            s.add(d)
            s.flush()
            deps.append(d.id)
    for done in range(0, orders, chunk):
        rows = []
        for i in range(done, min(done + chunk, orders)):
            created = START + timedelta(seconds=rnd.randrange(SPAN))
            rows.append(order_row(i, created, rnd, cats, deps))
        with db.session() as s:
            s.execute(insert(WorkOrder), rows)
    return {"load_s": time.perf_counter() - t}


def measure(db: Database, calls: int, orders: int, reps: int = 30) -> dict[str, Any]:
    out: dict[str, Any] = load(db, calls, orders)
    with db.session() as s:
        lines = s.scalar(select(QueueEventRow.id).order_by(QueueEventRow.id.desc()).limit(1)) or 0
    out["queue_log_lines"] = int(lines)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    done = rollup.rebuild(db)
    out["rebuild_s"] = done.seconds
    out["rebuild_lines_per_s"] = round(done.lines / done.seconds)
    out["peak_rss_growth_mb"] = round((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024, 1)
    none_c = {"queue": None, "agent_id": None}
    none_o = dict.fromkeys(("category_id", "district", "department_id", "channel", "state"))
    m, y = month(date(2026, 10, 1)), resolve(Kind.year, date(2026, 6, 1), None, None, date(2026, 6, 1))
    q3 = Period(Kind.custom, date(2026, 7, 1), date(2026, 9, 30))
    rnd = random.Random(1)
    with db.session() as s:
        out["pk_read_p95_ms"] = pct(timed(lambda: s.get(QueueEventRow, rnd.randrange(1, lines)), 300), 0.95)
        cases = {
            "calls_month_by_day": (reports.CALLS, m, none_c, "day"),
            "calls_year_by_queue": (reports.CALLS, y, none_c, "queue"),
            "calls_year_by_hour": (reports.CALLS, y, none_c, "hour"),
            "calls_quarter_by_queue": (reports.CALLS, q3, none_c, "queue"),
            "calls_year_totals": (reports.CALLS, y, none_c, None),
            "orders_month_by_district": (reports.ORDERS, m, none_o, "district"),
            "orders_year_by_category": (reports.ORDERS, y, none_o, "category"),
            "orders_year_by_department": (reports.ORDERS, y, none_o, "department"),
            "orders_year_district_by_category": (
                reports.ORDERS,
                y,
                {**none_o, "district": "东城区"},
                "category",
            ),
        }
        # Before and after the month tables in the same run, interleaved (before, after, before,
        # ...) so both meet the same load: reports.LEGACY_READS reads as the code did before them
        # (days/hours only, each period's totals apart from its rows).
        for name, (r, period, filters, by) in cases.items():
            samples: dict[bool, list[float]] = {True: [], False: []}
            for i in range(2 * reps + 2):
                legacy = i % 2 == 0
                reports.LEGACY_READS = legacy
                t = time.perf_counter()
                reports.report(s, r, period, filters, by)
                if i >= 2:  # the first of each warms the pages it reads
                    samples[legacy].append((time.perf_counter() - t) * 1000)
            reports.LEGACY_READS = False
            out[f"{name}_p95_ms_before"] = pct(samples[True], 0.95)
            out[f"{name}_p95_ms_after"] = pct(samples[False], 0.95)
    # Incremental: 200 call events a second, as 1-s batches of new lines appended to the log.
    live_rnd = random.Random(2)
    batch_ms = []
    for k in range(40):
        rows = call_lines(70, live_rnd, datetime(2026, 11, 30, 1, tzinfo=UTC) + timedelta(seconds=k), 1)[:200]
        with db.session() as s:
            s.execute(insert(QueueEventRow), rows)
        t = time.perf_counter()
        with db.session() as s:
            callroll.run_batch(s)
        batch_ms.append((time.perf_counter() - t) * 1000)
    out["rollup_200_lines_p95_ms"] = pct(batch_ms, 0.95)
    out["rollup_capacity_lines_per_s"] = round(200 / (statistics.mean(batch_ms) / 1000))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=1_000_000)
    ap.add_argument("--orders", type=int, default=200_000)
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--reps", type=int, default=30, help="timed runs per report (p95; the max at <= 10)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hotline-analytics-bench-"))
    results: dict[str, dict[str, Any]] = {}
    for kind in args.db.split(","):
        cluster = None
        if kind == "sqlite":
            url = f"sqlite:///{tmp / 'a.db'}"
        else:
            cluster = PgCluster()
            cluster.start()
            cluster.execute("CREATE DATABASE abench")
            url = cluster.url("abench")
        print(f"{kind}: loading {args.calls:,} calls and {args.orders:,} orders ...", flush=True)
        upgrade(url)
        db = Database(url)
        try:
            results[kind] = measure(db, args.calls, args.orders, args.reps)
        finally:
            db.dispose()
            if cluster is not None:
                cluster.stop()
        print(f"{kind}: {results[kind]}", flush=True)
    shutil.rmtree(tmp, ignore_errors=True)
    keys = list(next(iter(results.values())))
    print("\n| metric | " + " | ".join(results) + " |")
    print("|---|" + "---:|" * len(results))
    for key in keys:
        cells = [
            f"{results[k][key]:,.2f}" if isinstance(results[k][key], float) else f"{results[k][key]:,}"
            for k in results
        ]
        print(f"| {key} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
