"""API throughput of two web processes against one, in the same run (issue 17).

Run: PYTHONPATH=. .venv/bin/python -m bench.ha_web_scale [--seconds 10] [--rounds 3] [--conns 16]

Two `hotline serve` processes (web only: SIP, jobs and mailbox off) on one throwaway PostgreSQL 15
cluster with the demo data, sharing one redis-server as their bus, as `docs/operations.md` ("Two
nodes") runs several web processes. The load is a hand-written HTTP/1.1 keep-alive client on one
asyncio loop (uvloop) in this process: `--conns` connections per server, each looping the console's
two busiest lists (`GET /api/callers?limit=20`, `GET /api/workorders?limit=20`) as a signed-in
supervisor (bearer token) as fast as answers come. Rounds alternate: one server (all connections to
process A), then both (as many connections again to B), `--rounds` times, `--seconds` each, so
both figures come from the same minutes on the same shared box. Per phase: 2xx answers per second,
latency p50/p95, and where the CPU went (seconds of CPU per wall second): each server, PostgreSQL
(every backend), the load generator's own thread, and the whole box (/proc/stat, other sessions'
work included), so a ratio short of 2 can be read against the cores there were.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from hotline.people.models import ApiToken, User
from hotline.store.db import Database
from hotline.web.auth import token_hash
from tests.ha.cluster import wait_for
from tests.pg import PgCluster
from tests.redisbus.server import RedisServer
from tests.sip.harness import free_port

ROOT = Path(__file__).resolve().parents[1]
PATHS = ("/api/callers?limit=20", "/api/workorders?limit=20")
TOKEN = "bench-web-scale"
TICK = os.sysconf("SC_CLK_TCK")
REQUEST = {
    p: f"GET {p} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode() for p in PATHS
}


def proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def postgres_cpu(postmaster: int) -> float:
    """The postmaster and every backend it forked."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(postmaster) or fields[1] == str(postmaster):
            total += (int(fields[11]) + int(fields[12])) / TICK
    return total


def box_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole box since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / TICK, sum(values) / TICK


class Server:
    def __init__(self, name: str, url: str, bus: str, folder: Path) -> None:
        self.name, self.folder = name, folder
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port(kind=socket.SOCK_STREAM)
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "HOTLINE_DATABASE_URL": url,
            "HOTLINE_DATA_DIR": str(folder),
            "HOTLINE_HTTP_PORT": str(self.port),
            "HOTLINE_LOG_JSON": "false",
            "HOTLINE_JOBS_ENABLED": "false",
            "HOTLINE_MAILBOX_ENABLED": "false",
            "HOTLINE_COOKIE_SECURE": "false",
            "HOTLINE_SIP__ENABLED": "false",
            "HOTLINE_IVR_SPEAK_ON_PUBLISH": "false",
            "HOTLINE_HA__BUS_URL": bus,
            "HOTLINE_HA__NODE": name,
        }
        log = (folder / "serve.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hotline.cli", "serve"], env=self.env, cwd=ROOT, stdout=log, stderr=log
        )

    def healthy(self) -> bool:
        import httpx

        assert self.proc.poll() is None, (self.folder / "serve.log").read_text()[-3000:]
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Load:
    """Keep-alive connections looping GETs, on their own loop and thread, for one phase."""

    def __init__(self, ports: list[int], conns: int) -> None:
        self.ports, self.conns = ports, conns
        self.statuses: Counter[str] = Counter()
        self.latencies: list[float] = []
        self.cpu = 0.0  # this thread's CPU seconds (the load generator's own cost)
        self._stop = threading.Event()

    async def _client(self, n: int, port: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        i = n
        try:
            while not self._stop.is_set():
                path = PATHS[i % len(PATHS)]
                i += 1
                started = time.monotonic()
                writer.write(REQUEST[path])
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                length = next(
                    (int(x.split(":", 1)[1]) for x in lines if x.lower().startswith("content-length:")), 0
                )
                await reader.readexactly(length)
                self.latencies.append(time.monotonic() - started)
                self.statuses[lines[0].split(" ")[1]] += 1
        finally:
            writer.close()

    async def _run(self) -> None:
        clients = [self._client(n, port) for port in self.ports for n in range(self.conns)]
        await asyncio.gather(*clients)

    def run(self, seconds: float) -> float:
        """Load for `seconds`; returns the wall time measured."""

        def body() -> None:
            try:
                import uvloop

                runner: contextlib.AbstractContextManager[asyncio.Runner] = asyncio.Runner(
                    loop_factory=uvloop.new_event_loop
                )
            except ImportError:
                runner = asyncio.Runner()
            c0 = time.thread_time()
            with runner as r:
                r.run(self._run())
            self.cpu = time.thread_time() - c0

        thread = threading.Thread(target=body, daemon=True)
        t0 = time.monotonic()
        thread.start()
        time.sleep(seconds)
        self._stop.set()
        thread.join(60)
        return time.monotonic() - t0


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else 0.0


def phase(servers: list[Server], postmaster: int, conns: int, seconds: float) -> dict[str, float]:
    cpu0 = [proc_cpu(s.proc.pid) for s in servers]
    pg0, (busy0, all0) = postgres_cpu(postmaster), box_busy()
    load = Load([s.port for s in servers], conns)
    wall = load.run(seconds)
    cpu1 = [proc_cpu(s.proc.pid) for s in servers]
    pg1, (busy1, all1) = postgres_cpu(postmaster), box_busy()
    ok = sum(n for status, n in load.statuses.items() if status.startswith("2"))
    return {
        "rps": ok / wall,
        "errors": sum(load.statuses.values()) - ok,
        "p50_ms": pct(load.latencies, 50) * 1000,
        "p95_ms": pct(load.latencies, 95) * 1000,
        "server_cpu": sum(b - a for a, b in zip(cpu0, cpu1, strict=True)) / wall,
        "pg_cpu": (pg1 - pg0) / wall,
        "client_cpu": load.cpu / wall,
        "box_busy": (busy1 - busy0) / wall,
        "box_cores": (all1 - all0) / wall,
    }


def prepare(url: str, folder: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_DATA_DIR": str(folder),
    }
    for args in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run(
            [sys.executable, "-m", "hotline.cli", *args], env=env, cwd=ROOT, check=True, timeout=600
        )
    db = Database(url)
    with db.session() as s:
        user = s.scalars(select(User).where(User.username == "banzhang")).one()
        s.add(ApiToken(name="bench", token_hash=token_hash(TOKEN), user_id=user.id))
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--conns", type=int, default=16, help="connections per server")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="web-scale-"))
    cluster = PgCluster()
    cluster.start()
    redis = RedisServer(folder / "redis")
    servers: list[Server] = []
    try:
        cluster.execute("CREATE DATABASE bench")
        url = cluster.url("bench")
        prepare(url, folder / "data")
        postmaster = int((Path(cluster.data) / "postmaster.pid").read_text().split()[0])
        redis.start()
        servers = [Server(n, url, redis.url, folder / n) for n in ("a", "b")]
        for server in servers:
            wait_for(server.healthy, 240, f"server {server.name}")
        phase(servers, postmaster, 4, 2.0)  # warm both (imports, pools, caches)
        results: dict[str, list[dict[str, float]]] = {"one": [], "two": []}
        for n in range(args.rounds):
            for name, using in (("one", servers[:1]), ("two", servers)):
                r = phase(using, postmaster, args.conns, args.seconds)
                results[name].append(r)
                print(
                    f"round {n + 1} {name}: " + json.dumps({k: round(v, 2) for k, v in r.items()}), flush=True
                )
        print_table(results, args)
    finally:
        for server in servers:
            server.stop()
        redis.kill()
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


def print_table(results: dict[str, list[dict[str, float]]], args: argparse.Namespace) -> None:
    def med(name: str, key: str) -> float:
        return statistics.median(r[key] for r in results[name])

    print(f"\n{args.rounds} rounds of {args.seconds:g} s, {args.conns} connections per server; medians")
    print(
        "| web processes | 2xx/s | p50 / p95 ms | errors | servers CPU | PostgreSQL CPU "
        "| load generator CPU | box busy / cores |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, label in (("one", "1"), ("two", "2")):
        print(
            f"| {label} | {med(name, 'rps'):,.0f} | {med(name, 'p50_ms'):.1f} / {med(name, 'p95_ms'):.1f} | "
            f"{sum(r['errors'] for r in results[name]):.0f} | {med(name, 'server_cpu'):.2f} | "
            f"{med(name, 'pg_cpu'):.2f} | {med(name, 'client_cpu'):.2f} | "
            f"{med(name, 'box_busy'):.2f} / {med(name, 'box_cores'):.2f} |"
        )
    ratios = [t["rps"] / o["rps"] for o, t in zip(results["one"], results["two"], strict=True)]
    each = ", ".join(f"{r:.2f}" for r in ratios)
    print(f"\nratio two/one per round: {each}; median {statistics.median(ratios):.2f}")
    per_cpu = [r["rps"] / max(r["server_cpu"], 1e-9) for name in ("one", "two") for r in results[name]]
    print(f"answers per server CPU-second: {', '.join(f'{v:.0f}' for v in per_cpu)}")


if __name__ == "__main__":
    main()
