"""Analytics at the issue's full scale: 10,000,000 calls (~2.9 queue-log lines each) and 2,000,000
work orders of history (two years, Dec 2024 – Nov 2026), on SQLite and PostgreSQL: load time,
full rebuild time and memory, monthly and yearly report p95 against a primary-key read in the
same run, and the incremental rollup against 200 call events/s.

Run: .venv/bin/python -m bench.analytics_scale [--calls 10000000] [--orders 2000000] [--db sqlite,postgresql]
[--keep FILE] (keep the SQLite file), or [--reuse FILE] (time the reports of a kept file again, its
orders rollup rebuilt first, e.g. after a new month table).

Loading is the fast path, not the ORM: the queue log goes in chronologically (its ids grow with
time, as the writer commits them) through the DB-API (`executemany` of tuples on SQLite, `COPY`
on PostgreSQL); work orders through Core executemany. Progress is printed as it goes (lines,
rate, RSS). The queue log is what the call rollups read: the CDR table is not filled (the
repeat-caller report, which reads it, is not part of this bench). The reports and the
incremental batch are those of `bench.analytics_bench`."""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bench.analytics_bench import START, call_lines, order_row, pct, timed
from hotline.analytics import callroll, orderroll, reports, rollup
from hotline.analytics.periods import Kind, Period, month, resolve
from hotline.calls.models import QueueEventRow
from hotline.people.models import Department
from hotline.store.db import Database
from hotline.store.migrate import upgrade
from hotline.workorders.models import Category, WorkOrder
from tests.pg import PgCluster

DAYS = 730
COLUMNS = ("call_uuid", "queue", "kind", "at", "agent_id", "wait_seconds", "data")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def say(msg: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {msg}", flush=True)


def lines_by_day(calls: int, rnd: random.Random) -> Iterator[list[dict[str, Any]]]:
    """Each day's queue-log lines in time order (the history grows a day at a time)."""
    per_day, extra = divmod(calls, DAYS)
    for d in range(DAYS):
        n = per_day + (1 if d < extra else 0)
        rows = call_lines(n, rnd, START + timedelta(days=d), 86_400)
        rows.sort(key=lambda r: r["at"])
        for r in rows:
            r["call_uuid"] = f"d{d}-{r['call_uuid']}"
        yield rows


def _data(d: dict[str, Any]) -> str:
    if not d:
        return "{}"
    return json.dumps(d)


def _tuple(r: dict[str, Any], sqlite: bool) -> tuple[Any, ...]:
    at = r["at"].replace(tzinfo=None)  # already UTC: stored naive, as `UTCDateTime` does
    return (
        r["call_uuid"],
        r["queue"],
        r["kind"],
        at.isoformat(sep=" ", timespec="microseconds") if sqlite else at,
        r.get("agent_id"),
        r.get("wait_seconds"),
        _data(r["data"]),
    )


def load_calls(db: Database, calls: int) -> int:
    """The queue log through the DB-API; returns lines written."""
    rnd = random.Random(16)
    sqlite = db.engine.dialect.name == "sqlite"
    raw = db.engine.raw_connection()
    written, t0, next_report = 0, time.perf_counter(), 1_000_000
    try:
        cur = raw.cursor()
        if sqlite:  # a bulk load: no fsync per day, and the indexes' pages kept in memory
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("PRAGMA cache_size=-262144")
        for rows in lines_by_day(calls, rnd):
            tuples = [_tuple(r, sqlite) for r in rows]
            if sqlite:
                cur.executemany(
                    f"INSERT INTO queue_events ({', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)", tuples
                )
            else:
                with cur.copy(f"COPY queue_events ({', '.join(COLUMNS)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                    for t in tuples:
                        copy.write_row(t)
            raw.commit()
            written += len(tuples)
            if written >= next_report:
                rate = written / (time.perf_counter() - t0)
                say(f"  queue log: {written:,} lines ({rate:,.0f}/s, RSS {rss_mb():,.0f} MB)")
                next_report += 1_000_000
    finally:
        raw.close()
    return written


def load_orders(db: Database, orders: int) -> None:
    rnd = random.Random(17)
    with db.session() as s:
        cats, deps = [], []
        for i in range(10):
            c = Category(code=f"B{i}", name=f"分类{i}")
            s.add(c)
            s.flush()
            cats.append(c.id)
        for i in range(5):
            d = Department(code=f"BD{i}", name=f"部门{i}")
            s.add(d)
            s.flush()
            deps.append(d.id)
    chunk, t0 = 50_000, time.perf_counter()
    for done in range(0, orders, chunk):
        rows = []
        n = min(chunk, orders - done)
        # chronological as well: order i of the history is created at i / orders of the span
        for i in range(done, done + n):
            created = START + timedelta(seconds=int(i * DAYS * 86_400 / orders) + rnd.randrange(60))
            rows.append(order_row(i, created, rnd, cats, deps))
        with db.session() as s:
            s.execute(insert(WorkOrder), rows)
        if (done // chunk) % 8 == 7:
            rate = (done + n) / (time.perf_counter() - t0)
            say(f"  work orders: {done + n:,} ({rate:,.0f}/s)")


def rebuild_with_progress(db: Database) -> rollup.Rebuilt:
    """`rollup.rebuild`, printing each million lines and each 31-day run of orders."""
    real_days = orderroll.recompute_days
    seen = {"lines": 0, "next": 1_000_000, "t0": time.perf_counter(), "days": 0}

    def counted_iter(session: Any, batch: int = 20_000) -> Any:
        for lines in real_iter(session, batch):
            yield lines
            seen["lines"] += len(lines)
            if seen["lines"] >= seen["next"]:
                rate = seen["lines"] / (time.perf_counter() - seen["t0"])
                say(f"  rebuild calls: {seen['lines']:,} lines ({rate:,.0f}/s, RSS {rss_mb():,.0f} MB)")
                seen["next"] += 1_000_000

    def days(session: Any, d: Any) -> None:
        real_days(session, d)
        seen["days"] += 1
        if seen["days"] % 6 == 0:
            say(f"  rebuild orders: {seen['days'] * 31:,} days")

    from hotline.calls import stats as call_stats

    real_iter = call_stats.iter_lines
    callroll.stats.iter_lines = counted_iter  # type: ignore[assignment]
    orderroll.recompute_days = days  # type: ignore[assignment]
    try:
        return rollup.rebuild(db)
    finally:
        callroll.stats.iter_lines = real_iter  # type: ignore[assignment]
        orderroll.recompute_days = real_days  # type: ignore[assignment]


def measure(
    db: Database, calls: int, orders: int, reps: int, reuse: bool = False, rebuild: bool = True
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if reuse:  # a database this bench loaded before: the orders rollup rebuilt (new month tables)
        with db.session() as s:
            out["queue_log_lines"] = int(s.scalar(select(func.max(QueueEventRow.id))) or 0)
            t = time.perf_counter()
            if rebuild:
                orderroll.rebuild(s)
            s.commit()
        out["rebuild_orders_s"] = round(time.perf_counter() - t, 1)
        say(f"  reusing {out['queue_log_lines']:,} lines; orders rebuilt in {out['rebuild_orders_s']} s")
        return _reports(db, out, reps)
    t = time.perf_counter()
    out["queue_log_lines"] = load_calls(db, calls)
    out["load_calls_s"] = round(time.perf_counter() - t, 1)
    say(f"  queue log loaded: {out['queue_log_lines']:,} lines in {out['load_calls_s']:,} s")
    t = time.perf_counter()
    load_orders(db, orders)
    out["load_orders_s"] = round(time.perf_counter() - t, 1)
    say(f"  work orders loaded in {out['load_orders_s']:,} s; rebuilding ...")
    rss0 = rss_mb()
    done = rebuild_with_progress(db)
    out["rebuild_s"] = done.seconds
    out["rebuild_lines_per_s"] = round(done.lines / done.seconds)
    out["peak_rss_mb"] = round(rss_mb())
    out["peak_rss_growth_mb"] = round(rss_mb() - rss0, 1)
    say(f"  rebuilt in {done.seconds:,} s; reports ...")
    return _reports(db, out, reps)


def _reports(db: Database, out: dict[str, Any], reps: int) -> dict[str, Any]:
    lines = out["queue_log_lines"]
    none_c = {"queue": None, "agent_id": None}
    none_o = dict.fromkeys(("category_id", "district", "department_id", "channel", "state"))
    m, y = month(date(2026, 10, 1)), resolve(Kind.year, date(2026, 6, 1), None, None, date(2026, 6, 1))
    q3 = Period(Kind.custom, date(2026, 7, 1), date(2026, 9, 30))
    cases = {
        "calls_month_by_day": (reports.CALLS, m, none_c, "day"),
        "calls_month_by_agent": (reports.CALLS, m, none_c, "agent"),
        "calls_year_by_queue": (reports.CALLS, y, none_c, "queue"),
        "calls_year_by_hour": (reports.CALLS, y, none_c, "hour"),
        "calls_quarter_by_queue": (reports.CALLS, q3, none_c, "queue"),
        "calls_year_totals": (reports.CALLS, y, none_c, None),
        "orders_month_by_district": (reports.ORDERS, m, none_o, "district"),
        "orders_month_by_state": (reports.ORDERS, m, none_o, "state"),
        "orders_year_by_category": (reports.ORDERS, y, none_o, "category"),
        "orders_year_by_department": (reports.ORDERS, y, none_o, "department"),
        "orders_year_by_channel": (reports.ORDERS, y, none_o, "channel"),
    }
    rnd = random.Random(1)
    with db.session() as s:

        def p95(key: str, case: tuple[Any, ...], label: str) -> None:
            reports.report(s, *case)  # warm the pages it reads
            out[key] = round(pct(timed(lambda: reports.report(s, *case), reps), 0.95), 1)
            say(f"  {label}: p95 {out[key]:,} ms")

        out["pk_read_p95_ms"] = round(
            pct(timed(lambda: s.get(QueueEventRow, rnd.randrange(1, lines)), 300), 0.95), 2
        )
        for name, case in cases.items():
            p95(f"{name}_p95_ms", case, name)
        # Reports as they were read before the newest month tables, in the same run: month by
        # agent from the month's half-hour slots (reports.LEGACY_READS), year by channel from the
        # month table with every key.
        reports.LEGACY_READS = True
        try:
            p95(
                "calls_month_by_agent_from_slots_p95_ms",
                cases["calls_month_by_agent"],
                "month by agent, slots",
            )
        finally:
            reports.LEGACY_READS = False
        smallest = reports.MONTH_TABLES[reports.ORDERS.table]
        reports.MONTH_TABLES[reports.ORDERS.table] = (reports.ORDER_MONTHS,)
        try:
            p95(
                "orders_year_by_channel_every_key_p95_ms",
                cases["orders_year_by_channel"],
                "year by channel, wide",
            )
        finally:
            reports.MONTH_TABLES[reports.ORDERS.table] = smallest
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
    out["rollup_200_lines_p95_ms"] = round(pct(batch_ms, 0.95), 1)
    out["rollup_capacity_lines_per_s"] = round(200 / (statistics.mean(batch_ms) / 1000))
    with db.session() as s:
        out["check_lines"] = int(
            s.scalar(select(QueueEventRow.id).order_by(QueueEventRow.id.desc()).limit(1)) or 0
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=10_000_000)
    ap.add_argument("--orders", type=int, default=2_000_000)
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--dir", default=None, help="where the SQLite file and PostgreSQL cluster go")
    ap.add_argument(
        "--reuse",
        default=None,
        help="a SQLite file an earlier run kept (--keep): upgraded, its orders rollup rebuilt, reports timed",
    )
    ap.add_argument("--keep", default=None, help="keep the SQLite file of this run at this path")
    ap.add_argument("--no-rebuild", action="store_true", help="with --reuse: its rollups are up to date")
    args = ap.parse_args()
    if args.reuse:
        url = f"sqlite:///{args.reuse}"
        upgrade(url)
        db = Database(url)
        try:
            result = measure(db, 0, 0, args.reps, reuse=True, rebuild=not args.no_rebuild)
        finally:
            db.dispose()
        say(f"sqlite (reused): {result}")
        return
    tmp = Path(tempfile.mkdtemp(prefix="hotline-analytics-scale-", dir=args.dir))
    results: dict[str, dict[str, Any]] = {}
    try:
        for kind in args.db.split(","):
            cluster = None
            if kind == "sqlite":
                url = f"sqlite:///{tmp / 'a.db'}"
            else:
                cluster = PgCluster()
                cluster.start()
                cluster.execute("CREATE DATABASE ascale")
                url = cluster.url("ascale")
            say(f"{kind}: loading {args.calls:,} calls and {args.orders:,} orders ...")
            upgrade(url)
            db = Database(url)
            try:
                results[kind] = measure(db, args.calls, args.orders, args.reps)
            finally:
                db.dispose()
                if cluster is not None:
                    cluster.stop()
                elif args.keep:
                    shutil.move(tmp / "a.db", args.keep)
            say(f"{kind}: {results[kind]}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    keys = list(next(iter(results.values())))
    print("\n| metric | " + " | ".join(results) + " |")
    print("|---|" + "---:|" * len(results))
    for key in keys:
        print(f"| {key} | " + " | ".join(f"{results[k].get(key, '')!s}" for k in results) + " |")


if __name__ == "__main__":
    main()
