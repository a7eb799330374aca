"""Report builder (自定义报表) pivots at scale on SQLite and PostgreSQL: p95 of typical ad-hoc
pivots (a year of orders by district × category, two years by month × district, a month by
district × channel × state; a year of calls by queue × hour, a quarter by agent) against a
primary-key read in the same run, and the Excel export of the largest one.

Run: .venv/bin/python -m bench.pivot_bench [--calls 300000] [--orders 300000] [--db sqlite,postgresql]
History: `bench.analytics_bench.load` (two years, Dec 2024 – Nov 2026), rollups rebuilt once.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench.analytics_bench import load, pct, timed
from hotline.analytics import pivot_export, pivots, rollup
from hotline.analytics.periods import Kind, Period, month, resolve
from hotline.calls.models import QueueEventRow
from hotline.store.db import Database
from hotline.store.migrate import upgrade
from tests.pg import PgCluster

NONE: dict[str, Any] = {}


def measure(db: Database, calls: int, orders: int, reps: int) -> dict[str, Any]:
    out: dict[str, Any] = load(db, calls, orders)
    out["rebuild_s"] = rollup.rebuild(db).seconds
    with db.session() as s:
        lines = s.scalar(select(QueueEventRow.id).order_by(QueueEventRow.id.desc()).limit(1)) or 0
    year = resolve(Kind.year, date(2026, 6, 1), None, None, date(2026, 6, 1))
    two_years = Period(Kind.custom, date(2024, 12, 1), date(2026, 11, 30))
    oct26 = month(date(2026, 10, 1))
    q3 = Period(Kind.custom, date(2026, 7, 1), date(2026, 9, 30))
    cases = {
        "orders_year_district_x_category": (
            "orders",
            ("district", "category"),
            ("orders", "on_time_rate"),
            year,
        ),
        "orders_2y_month_x_district": (
            "orders",
            ("month", "district"),
            ("orders", "satisfaction_rate"),
            two_years,
        ),
        "orders_month_district_x_channel_x_state": (
            "orders",
            ("district", "channel", "state"),
            ("orders", "closed"),
            oct26,
        ),
        "orders_year_by_weekday": ("orders", ("weekday",), ("orders",), year),
        "calls_year_queue_x_hour": ("calls", ("queue", "hour"), ("offered", "answer_rate", "asa"), year),
        "calls_quarter_by_agent": ("calls", ("agent",), ("answered", "aht"), q3),
    }
    rnd = random.Random(1)
    with db.session() as s:
        out["pk_read_p95_ms"] = round(
            pct(timed(lambda: s.get(QueueEventRow, rnd.randrange(1, lines)), 300), 0.95), 2
        )
        for name, (source, dims, measures, period) in cases.items():
            spec = pivots.Spec(source, dims, measures, NONE)
            pivots.run(s, spec, period)  # warm the pages it reads
            run = lambda sp=spec, p=period: pivots.run(s, sp, p)  # noqa: E731
            out[f"{name}_p95_ms"] = round(pct(timed(run, reps), 0.95), 1)
        spec = pivots.Spec("orders", ("month", "district"), ("orders", "satisfaction_rate"), NONE)
        data = pivots.run(s, spec, two_years)
        out["xlsx_rows"] = len(data["rows"])
        out["xlsx_p95_ms"] = round(pct(timed(lambda: pivot_export.workbook("bench", data), reps), 0.95), 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=300_000)
    ap.add_argument("--orders", type=int, default=300_000)
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--reps", type=int, default=20)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hotline-pivot-bench-"))
    results: dict[str, dict[str, Any]] = {}
    for kind in args.db.split(","):
        cluster = None
        if kind == "sqlite":
            url = f"sqlite:///{tmp / 'p.db'}"
        else:
            cluster = PgCluster()
            cluster.start()
            cluster.execute("CREATE DATABASE pbench")
            url = cluster.url("pbench")
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
    print("|---|" + "---|" * len(results))
    for k in keys:
        print(f"| {k} | " + " | ".join(str(results[r].get(k)) for r in results) + " |")


if __name__ == "__main__":
    main()
