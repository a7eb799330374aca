"""Work orders at scale on SQLite and PostgreSQL: list + filter p95, Chinese text search p95, and
the deadline sweep over N open orders (default 1,000,000).

Run: .venv/bin/python -m bench.workorders_bench [--orders 1000000] [--db sqlite,postgresql]
Lists and searches go through the product's own code path (`queries.build` + `queries.page` +
`order_out`, i.e. the API minus HTTP). The reference run is a primary-key fetch of one order in
the same invocation, so ratios survive a noisy machine. The sweep is measured twice: one hour
after the previous sweep (the steady state of a job that runs every minute or so) and after a
24-hour outage (catch-up); both over all open orders.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jieba
from sqlalchemy import func, select

from bench.workorders_data import ASK, ISSUES, WHO, load
from hotline.audit.service import SYSTEM
from hotline.people.permissions import ROLE_PERMISSIONS, Role
from hotline.store.db import Database
from hotline.store.migrate import upgrade
from hotline.web.pagination import ListParams
from hotline.workorders.deadlines import sweep_deadlines
from hotline.workorders.models import WorkOrder
from hotline.workorders.queries import Filters, build, page
from hotline.workorders.schemas import order_out
from hotline.workorders.search import STOP
from hotline.workorders.service import Who
from tests.conftest import seed
from tests.pg import PgCluster

NOW = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
AGENT = Who(SYSTEM, ROLE_PERMISSIONS[Role.supervisor])


def pct(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100)[int(q * 100) - 1] if len(samples) > 10 else max(samples)


def params(limit: int = 50, sort: str | None = None) -> ListParams:
    p = ListParams.__new__(ListParams)
    p.limit, p.cursor, p.sort = limit, None, sort
    return p


def timed(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def run_page(db: Database, f: Filters, sort: str | None = None) -> int:
    with db.session() as s:
        res = page(s, build(s, AGENT, f, NOW), params(sort=sort), lambda o: order_out(o, AGENT))
        return len(res["items"])


def list_filters(rng: random.Random, dept_ids: list[int], cat_ids: list[int]) -> list[Filters]:
    states = ["dispatched", "received", "replied", "return_visit", "accepted"]
    out = []
    for i in range(300):
        kind = i % 7
        if kind == 0:
            out.append(Filters(state=rng.choice(states)))
        elif kind == 1:
            out.append(Filters(state=rng.choice(states[:4]), department_id=rng.choice(dept_ids)))
        elif kind == 2:
            out.append(Filters(category_id=rng.choice(cat_ids)))
        elif kind == 3:
            out.append(Filters(caller_id=100_000 + rng.randrange(20_000)))
        elif kind == 4:
            out.append(Filters(overdue=True))
        elif kind == 5:
            start = NOW - timedelta(days=rng.uniform(1, 29))
            out.append(Filters(created_from=start, created_to=start + timedelta(days=1)))
        else:
            out.append(Filters(overdue=True, department_id=rng.choice(dept_ids), state="received"))
    return out


def text_queries(rng: random.Random) -> list[Filters]:
    # jieba's query words of the phrases (as the former `query_tokens`): the same 300 queries as
    # the runs before relevance ranking, so the figures compare.
    phrases = [i for i, _ in ISSUES] + WHO + ASK
    words = sorted({w for p in phrases for w in jieba.cut(p) if len(w) >= 2 and w not in STOP})
    out = []
    for i in range(300):
        kind = i % 4
        if kind == 0:
            out.append(Filters(q=rng.choice(words)))
        elif kind == 1:
            out.append(Filters(q=f"{rng.choice(words)} {rng.choice(words)}"))
        elif kind == 2:
            out.append(Filters(q=rng.choice([i for i, _ in ISSUES])))
        else:
            out.append(Filters(q=rng.choice(words), state="received"))
    return out


def new_queries(rng: random.Random, db: Database) -> list[Filters]:
    """What the token table could not answer before: phone digits, caller names, one character,
    a bigram inside a word."""
    with db.session() as s:
        phones = list(s.scalars(select(WorkOrder.contact_phone).where(WorkOrder.id % 997 == 0).limit(200)))
    chars = sorted({ch for p in [i for i, _ in ISSUES] for ch in p if ch not in STOP})
    inner = sorted({p[i : i + 2] for p in [i for i, _ in ISSUES] for i in range(1, len(p) - 2)} - STOP)
    out = []
    for i in range(200):
        kind = i % 4
        if kind == 0:
            out.append(Filters(q=rng.choice(phones)[-4:]))  # type: ignore[index]
        elif kind == 1:
            out.append(Filters(q=f"来电人{rng.randrange(20_000)}"))
        elif kind == 2:
            out.append(Filters(q=rng.choice(chars)))
        else:
            out.append(Filters(q=rng.choice(inner)))
    return out


def measure(db: Database, count: int, reuse: bool = False) -> dict[str, Any]:
    res: dict[str, Any] = {}
    res["load s"] = load(db, count, NOW) if not reuse else 0.0
    rng = random.Random(3)
    with db.session() as s:
        dept_ids = sorted({d for d in s.scalars(select(WorkOrder.department_id).distinct()) if d})
        cat_ids = [int(c) for c in s.scalars(select(WorkOrder.category_id).distinct()) if c]
        open_n = s.scalar(select(func.count()).select_from(WorkOrder))
    res["open orders"] = open_n
    ids = [rng.randrange(1, count + 1) for _ in range(300)]
    it = iter(ids)

    def pk() -> None:
        with db.session() as s:
            order_out(s.get(WorkOrder, next(it)), AGENT)  # type: ignore[arg-type]

    ref = timed(pk, 300)
    lf = iter(list_filters(rng, dept_ids, cat_ids))
    timed(lambda: run_page(db, Filters(state="received")), 5)  # warm the cache
    lst = timed(lambda: run_page(db, next(lf)), 300)
    tq = text_queries(rng)
    hits = [run_page(db, f) for f in tq[:40]]
    tqi = iter(tq)
    txt = timed(lambda: run_page(db, next(tqi)), 300)
    for k, label in enumerate(["1 word", "2 random words", "issue phrase", "word + state"]):
        res[f"  search p95 ms: {label}"] = pct(txt[k::4], 0.95)
    nq = iter(tq[:100])
    newest = timed(lambda: run_page(db, next(nq), "-id"), 100)
    res["newest-first (sort=-id) p95 ms"] = pct(newest, 0.95)
    fresh = new_queries(random.Random(5), db)
    fresh_hits = [run_page(db, f) for f in fresh[:40]]
    fi = iter(fresh)
    extra = timed(lambda: run_page(db, next(fi)), len(fresh))
    for k, label in enumerate(["phone last 4", "caller name", "1 character", "bigram in a word"]):
        res[f"  new p95 ms: {label}"] = pct(extra[k::4], 0.95)
    res["new kinds hits/page (mean)"] = sum(fresh_hits) / len(fresh_hits)
    res["pk fetch p95 ms (ref)"] = pct(ref, 0.95)
    res["list+filter p50 ms"] = statistics.median(lst)
    res["list+filter p95 ms"] = pct(lst, 0.95)
    res["text search p50 ms"] = statistics.median(txt)
    res["text search p95 ms"] = pct(txt, 0.95)
    res["text search hits/page (mean)"] = sum(hits) / len(hits)
    res["list p95 / ref"] = res["list+filter p95 ms"] / res["pk fetch p95 ms (ref)"]
    res["search p95 / ref"] = res["text search p95 ms"] / res["pk fetch p95 ms (ref)"]
    for label, at in (("sweep +1 h", NOW), ("sweep +24 h catch-up", NOW + timedelta(hours=24))):
        t = time.perf_counter()
        with db.session() as s:
            counts = sweep_deadlines(s, at)
        res[f"{label} s"] = time.perf_counter() - t
        res[f"{label} rows"] = sum(counts.values())
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=1_000_000)
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--sqlite-file", help="keep the SQLite database here; an existing file is reused")
    ap.add_argument("--pg-url", help="an already loaded PostgreSQL database to measure (no load)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hotline-wo-bench-"))
    results: dict[str, dict[str, Any]] = {}
    for kind in args.db.split(","):
        cluster = None
        reuse = False
        if kind == "sqlite":
            path = Path(args.sqlite_file) if args.sqlite_file else tmp / "wo.db"
            reuse = path.exists()
            url = f"sqlite:///{path}"
        elif args.pg_url:
            url, reuse = args.pg_url, True
        else:
            cluster = PgCluster()
            cluster.start()
            cluster.execute("CREATE DATABASE wobench")
            url = cluster.url("wobench")
        print(f"{kind}: loading {args.orders:,} orders ...", flush=True)
        db = Database(url)
        if not reuse:
            upgrade(url)
            seed(db)
        try:
            results[kind] = measure(db, args.orders, reuse)
        finally:
            db.dispose()
            if cluster is not None:
                cluster.stop()
        print(f"{kind}: done", flush=True)
    shutil.rmtree(tmp, ignore_errors=True)  # a kept --sqlite-file lives elsewhere
    keys = list(next(iter(results.values())))
    print(f"\n{'metric':34}" + "".join(f"{k:>14}" for k in results))
    for key in keys:
        cells = []
        for k in results:
            v = results[k][key]
            cells.append(f"{v:>14.2f}" if isinstance(v, float) else f"{v:>14,}")
        print(f"{key:34}" + "".join(cells))


if __name__ == "__main__":
    main()
