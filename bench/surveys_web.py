"""Web questionnaire load: N respondents at once, each opening their one-time link within the same
2 s, then reading and answering page by page (0.5-3 s a page) and saving each (3 page saves, the
branch page included) and submitting, against the real `hotline serve` on SQLite (or PostgreSQL
with --pg). A 503 from the admission control would be counted and retried after Retry-After.

Reported: p50/p95/p99 of a page save (PUT /api/surveys/r/{token}/page, checked and stored on the
server) and of start/submit, and as the reference `/healthz` timed the same way in the same run
while the respondents are busy (what any request waits for on this box at that load), plus the
same idle. Every response is checked afterwards (N completed, tallies add up).

Usage: .venv/bin/python -m bench.surveys_web [--respondents 200] [--rounds 2] [--pg]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from hotline.store.db import Database
from hotline.store.migrate import upgrade
from tests.conftest import seed
from tests.server import start_server
from tests.surveys.helpers import SAMPLE

AUTH = {"Authorization": "Bearer token-supervisor"}
PAGES = [
    (0, {"Q1": "3", "Q2": ["meal", "other"], "Q2o": "陪诊", "Q3": 2, "Q4": 8, "Q5": 72, "Q6": "2026-11-30"}),
    (1, {"Q7": "送餐不准时，饭菜是凉的"}),
    (2, {"Q8": {"r1": "bad", "r2": "fair"}, "Q9": "希望增加助浴服务"}),
]


def pct(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100)[int(q * 100) - 1] if len(samples) > 10 else max(samples)


BUSY: list[int] = []
RESETS: list[int] = []


async def call(
    client: httpx.AsyncClient, method: str, url: str, body: dict[str, object], out: list[float]
) -> httpx.Response:
    """One request, timed; a 503 (the admission control's "busy") is counted and retried after
    its Retry-After, as the page would."""
    while True:
        t = time.perf_counter()
        try:
            r = await client.request(method, url, json=body)
        except httpx.TransportError:  # a connection reset under load: counted, tried again
            RESETS.append(1)
            await asyncio.sleep(0.5)
            continue
        out.append((time.perf_counter() - t) * 1000)
        if r.status_code != 503:
            assert r.status_code == 200, r.text
            return r
        BUSY.append(1)
        await asyncio.sleep(float(r.headers.get("Retry-After", "1")))


async def respondent(
    client: httpx.AsyncClient, token: str, saves: list[float], ends: list[float], seed: int
) -> None:
    """A person: opens the link, reads and answers each page (0.5-3 s), saves it, submits."""
    rng = random.Random(seed)
    await asyncio.sleep(rng.uniform(0, 2))
    r = await call(client, "POST", f"/api/surveys/r/{token}/start", {}, ends)
    key = r.json()["resume_key"]
    for page, answers in PAGES:
        await asyncio.sleep(rng.uniform(0.5, 3.0))
        body = {"resume_key": key, "page": page, "answers": answers}
        await call(client, "PUT", f"/api/surveys/r/{token}/page", body, saves)
    await call(client, "POST", f"/api/surveys/r/{token}/submit", {"resume_key": key}, ends)


async def health_probe(client: httpx.AsyncClient, out: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        t = time.perf_counter()
        try:
            await client.get("/healthz")
        except httpx.TransportError:
            RESETS.append(1)
            continue
        out.append((time.perf_counter() - t) * 1000)
        await asyncio.sleep(0.01)


async def run(base: str, n: int, rounds: int) -> dict[str, float]:
    limits = httpx.Limits(max_connections=n + 10, max_keepalive_connections=n + 10)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        r = await client.post("/api/surveys", json={"definition": SAMPLE}, headers=AUTH)
        survey = r.json()
        await client.post(
            f"/api/surveys/{survey['id']}/publish", json={"version": survey["version"]}, headers=AUTH
        )
        idle: list[float] = []
        for _ in range(200):
            t = time.perf_counter()
            await client.get("/healthz")
            idle.append((time.perf_counter() - t) * 1000)
        saves: list[float] = []
        ends: list[float] = []
        busy: list[float] = []
        wall = 0.0
        for _ in range(rounds):
            r = await client.post(
                f"/api/surveys/{survey['id']}/tokens",
                json={"respondents": [{"district": f"区{i % 11}"} for i in range(n)]},
                headers=AUTH,
            )
            tokens = [x["token"] for x in r.json()]
            stop = asyncio.Event()
            probe = asyncio.create_task(health_probe(client, busy, stop))
            t = time.perf_counter()
            await asyncio.gather(*(respondent(client, tok, saves, ends, i) for i, tok in enumerate(tokens)))
            wall += time.perf_counter() - t
            stop.set()
            await probe
        res = (await client.get(f"/api/surveys/{survey['id']}/results", headers=AUTH)).json()
        assert res["completed"] == n * rounds, res["completed"]
        q1 = next(q for q in res["questions"] if q["code"] == "Q1")
        assert q1["options"][2]["count"] == n * rounds
    return {
        "respondents": n * rounds,
        "page saves": len(saves),
        "saves/s": len(saves) / wall,
        "save p50 ms": statistics.median(saves),
        "save p95 ms": pct(saves, 0.95),
        "save p99 ms": pct(saves, 0.99),
        "start/submit p95 ms": pct(ends, 0.95),
        "503 busy (retried)": len(BUSY),
        "connection resets (retried)": len(RESETS),
        "/healthz p95 ms under load (ref)": pct(busy, 0.95),
        "/healthz p95 ms idle (ref)": pct(idle, 0.95),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--respondents", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--pg", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="surveys-web-"))
    cluster = None
    if args.pg:
        from tests.pg import PgCluster

        cluster = PgCluster()
        cluster.start()
        cluster.execute("CREATE DATABASE bench")
        url = cluster.url("bench")
    else:
        url = f"sqlite:///{tmp / 'bench.db'}"
    upgrade(url)
    db = Database(url)
    seed(db)
    proc, base = start_server(db, tmp, {"HOTLINE_COOKIE_SECURE": "false"})
    try:
        out = asyncio.run(run(base, args.respondents, args.rounds))
    finally:
        proc.terminate()
        proc.wait(10)
        if cluster is not None:
            cluster.stop()
    print(f"database: {'PostgreSQL' if args.pg else 'SQLite'}")
    for k, v in out.items():
        print(f"  {k:36s} {v:10.1f}")


if __name__ == "__main__":
    main()
