"""Caller lookup by phone with 1,000,000 callers, and login + authorized read, on SQLite and PostgreSQL.

Run: .venv/bin/python -m bench.people_bench [--callers 1000000]
Prints a table; the reference run is a primary-key fetch of a caller on the same database in
the same invocation (the floor any lookup can reach), so ratios survive a noisy machine.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from sqlalchemy import insert, select, text

from hotline.people.models import Caller, CallerPhone
from hotline.people.service import caller_ids_by_phone, lookup_by_phone
from hotline.store.db import Database
from hotline.store.migrate import upgrade
from tests.conftest import seed
from tests.pg import PgCluster
from tests.server import start_server


def pct(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=1000)[int(q * 1000) - 1] if len(samples) > 10 else max(samples)


CPU: dict[int, list[float]] = {}


def timed(fn: Callable[[], object], n: int) -> list[float]:
    """Wall-clock ms per call; this process's CPU ms per call go to CPU[id(result)]."""
    out, cpu = [], []
    for _ in range(n):
        t, c = time.perf_counter(), time.process_time()
        fn()
        out.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    CPU[id(out)] = cpu
    return out


def fill(db: Database, count: int) -> None:
    t = time.perf_counter()
    batch = 20_000
    with db.engine.begin() as conn:
        for start in range(0, count, batch):
            n = min(batch, count - start)
            conn.execute(
                insert(Caller),
                [{"id": 10_000 + start + i, "name": f"来电人{start + i}", "version": 1} for i in range(n)],
            )
            conn.execute(
                insert(CallerPhone),
                [
                    {"caller_id": 10_000 + start + i, "number": f"1{300_000_0000 + start + i}"}
                    for i in range(n)
                ],
            )
    print(f"  filled {count:,} callers in {time.perf_counter() - t:.1f} s")


def measure(db: Database, count: int, tmp: Path) -> dict[str, float]:
    rng = random.Random(1)
    numbers = [f"1{300_000_0000 + rng.randrange(count)}" for _ in range(3000)]
    ids = [10_000 + rng.randrange(count) for _ in range(3000)]
    res: dict[str, float] = {}
    with db.session() as s:
        it0 = iter(numbers)
        ids_only = timed(lambda: caller_ids_by_phone(s, next(it0)), 3000)
    with db.session() as s:
        it = iter(numbers)

        def profile() -> None:
            lookup_by_phone(s, next(it))
            s.expunge_all()  # a screen pop loads fresh rows, not the identity map's

        full = timed(profile, 3000)
    with db.session() as s:
        it2 = iter(ids)
        pk = timed(lambda: s.execute(select(Caller.id).where(Caller.id == next(it2))).all(), 3000)
    res["phone->caller p50 ms"] = statistics.median(ids_only)
    res["phone->caller p99 ms"] = pct(ids_only, 0.99)
    res["phone->profile p99 ms"] = pct(full, 0.99)
    res["pk probe p99 ms (ref)"] = pct(pk, 0.99)
    res["phone->caller/ref p99"] = res["phone->caller p99 ms"] / res["pk probe p99 ms (ref)"]
    # CPU time of this process only: the SQLite work itself, whatever else the box is doing.
    res["phone->caller cpu p99 ms"] = pct(CPU[id(ids_only)], 0.99)
    res["phone->profile cpu p99 ms"] = pct(CPU[id(full)], 0.99)

    proc, base = start_server(db, tmp, {"HOTLINE_COOKIE_SECURE": "false"})
    try:
        with httpx.Client(base_url=base, timeout=10) as client:

            def login_and_read() -> None:
                client.cookies.clear()
                r = client.post("/api/auth/login", json={"username": "agent", "password": "password-agent"})
                assert r.status_code == 200
                assert client.get("/api/callers/lookup", params={"phone": numbers[0]}).status_code == 200

            login_and_read()
            read = timed(lambda: client.get("/api/callers/lookup", params={"phone": numbers[1]}), 500)
            both = timed(login_and_read, 100)
            health = timed(lambda: client.get("/healthz"), 500)
    finally:
        proc.terminate()
        proc.wait(10)
    res["authorized read p95 ms"] = pct(read, 0.95)
    res["login+read p95 ms"] = pct(both, 0.95)
    res["/healthz p95 ms (ref)"] = pct(health, 0.95)
    return res


def main() -> None:
    print(f"load average at start: {os.getloadavg()}")
    ap = argparse.ArgumentParser()
    ap.add_argument("--callers", type=int, default=1_000_000)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hotline-bench-"))
    results: dict[str, dict[str, float]] = {}

    print("SQLite")
    url = f"sqlite:///{tmp / 'bench.db'}"
    upgrade(url)
    db = Database(url)
    seed(db)
    fill(db, args.callers)
    results["sqlite"] = measure(db, args.callers, tmp)
    db.dispose()

    print("PostgreSQL")
    cluster = PgCluster()
    cluster.start()
    try:
        cluster.execute("CREATE DATABASE bench")
        upgrade(cluster.url("bench"))
        db = Database(cluster.url("bench"))
        seed(db)
        fill(db, args.callers)
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        results["postgresql"] = measure(db, args.callers, tmp)
        db.dispose()
    finally:
        cluster.stop()

    keys = list(results["sqlite"])
    print(f"\n{'metric':<28}" + "".join(f"{k:>14}" for k in results))
    for key in keys:
        print(f"{key:<28}" + "".join(f"{results[b][key]:>14.3f}" for b in results))


if __name__ == "__main__":
    main()
