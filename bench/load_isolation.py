"""Calls under API load: SIPp calls into the call center of a real `hotline serve` while hundreds of
signed-in API clients hammer it, against a reference run of the same calls alone.

Run: .venv/bin/python -m bench.load_isolation [--cps 100] [--seconds 10] [--clients 500] [--agents 150]

One `hotline serve` (tests/server.py: web + telephony + call center on SQLite, jobs and mail off),
SIPp's `uac` as the carrier (127.0.0.2, a trunk peer; each call walks the IVR, queues, rings the
longest-idle agent, is bridged and recorded, holds 1 s), one SIPp `uas` (127.0.0.3) registered as
every agent's extension, agents signed in through the API. The API load is `--clients` concurrent
HTTP/1.1 keep-alive clients with bearer tokens looping GET /api/callers and GET /api/workorders as
fast as answers come. Reported per run: calls placed / ok / failed (SIPp) / connected to an agent
(queue log), and API answers by status with latency percentiles; the verdict wants 0 failed calls,
no 5xx other than 503 (each with Retry-After) and no answer slower than `--stall` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import select

from bench.callcenter_cps import PHONE_IP, TRUNK_IP, connects, counts, seed, sipp, start_phones, write_moh
from hotline.audit.service import Actor
from hotline.people.models import ApiToken, User
from hotline.people.passwords import sip_ha1
from hotline.people.schemas import UserIn
from hotline.people.service import create_user
from hotline.store.db import Database
from hotline.web.auth import token_hash
from tests.server import start_server
from tests.sip.harness import free_port

HERE = Path(__file__).parent
API_PATHS = ("/api/callers?limit=20", "/api/workorders?limit=20")


def prepare(url: str, agents: int, clients: int) -> list[str]:
    """Seed queue, flow and agents (with SIP passwords "bench"), plus API users; returns tokens."""
    seed(url, agents)
    db = Database(url)
    tokens = []
    with db.session() as s:
        for user in s.scalars(select(User).where(User.extension.is_not(None))):
            user.sip_ha1 = sip_ha1(str(user.extension), "hotline", "bench")
            s.add(ApiToken(name="bench", token_hash=token_hash(f"agent-{user.extension}"), user_id=user.id))
        for i in range(max(1, clients // 50)):
            api = create_user(
                s,
                Actor(None, "bench"),
                UserIn(
                    username=f"api{i}", display_name=f"api{i}", password="bench-password", role="supervisor"
                ),
            )
            s.add(ApiToken(name="bench", token_hash=token_hash(f"api-{i}"), user_id=api.id))
            tokens.append(f"api-{i}")
    db.dispose()
    return tokens


class Center:
    """The server, its agents' phones registered and the agents signed in to the queue."""

    def __init__(self, url: str, tmp: Path, agents: int) -> None:
        self.port, self.uas_port = free_port(), free_port(PHONE_IP)
        (tmp / "prompts").mkdir(parents=True, exist_ok=True)
        write_moh(tmp / "prompts" / "moh.wav")
        env = {
            "HOTLINE_SIP__ENABLED": "true",
            "HOTLINE_SIP__PORT": str(self.port),
            "HOTLINE_SIP__TRUNK_PEERS": f'["{TRUNK_IP}"]',
            "HOTLINE_SIP__RTP_PORT_MIN": "61000",
            "HOTLINE_SIP__RTP_PORT_MAX": "64998",
            "HOTLINE_SIP__QUALIFY_SECONDS": "0",  # SIPp's uas does not answer OPTIONS
            "HOTLINE_SIP__RATE_LIMIT_PER_SECOND": "100000",
            "HOTLINE_SIP__RTP_TIMEOUT_SECONDS": "60",
        }
        self.proc, self.base = start_server(Database(url), tmp, env)
        for i in range(agents):
            ext = str(5000 + i)
            args = [f"127.0.0.1:{self.port}", "-sf", str(HERE / "callcenter_register.xml"), "-s", ext]
            args += ["-au", ext, "-ap", "bench", "-i", PHONE_IP, "-p", str(self.uas_port), "-m", "1"]
            out = sipp([*args, "-timeout", "10s"], 20, tmp)
            if counts(out)[0] != 1:
                raise RuntimeError(f"registration of {ext} failed:\n" + out[-1500:])
            login = httpx.post(
                f"{self.base}/api/calls/agent/login",
                headers={"Authorization": f"Bearer agent-{ext}"},
                timeout=10,
            )
            login.raise_for_status()
        self.uas = start_phones(self.uas_port, tmp)
        time.sleep(0.5)  # SIPp binds its port

    def stop(self) -> None:
        for proc in (self.uas, self.proc):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


class ApiLoad:
    """`clients` concurrent signed-in clients on their own loop and thread, until stopped."""

    def __init__(self, base: str, tokens: list[str], clients: int) -> None:
        self.base, self.tokens, self.clients = base, tokens, clients
        self.statuses: Counter[str] = Counter()
        self.latencies: list[float] = []
        self.missing_retry_after = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _client(self, n: int, host: str, port: int) -> None:
        """One keep-alive HTTP/1.1 connection written by hand: a general-purpose client's own cost
        (httpx's pool with 500 connections) would be measured as server latency on this small box."""
        token = self.tokens[n % len(self.tokens)]
        i, reader, writer = n, None, None
        while not self._stop.is_set():
            path = API_PATHS[i % len(API_PATHS)]
            i += 1
            started = time.monotonic()
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                assert reader is not None
                writer.write(
                    f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
                )
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
                lines = head.decode("latin-1").split("\r\n")
                status = lines[0].split(" ")[1]
                fields = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
                await reader.readexactly(int(fields.get("content-length", "0")))
                self.latencies.append(time.monotonic() - started)
                self.statuses[status] += 1
                if fields.get("connection", "").lower() == "close":
                    writer.close()
                    reader, writer = None, None
                if status == "503":
                    if not fields.get("retry-after", "").isdigit():
                        self.missing_retry_after += 1
                    await asyncio.sleep(float(fields.get("retry-after", "1") or 1))
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError) as exc:
                self.latencies.append(time.monotonic() - started)
                self.statuses[type(exc).__name__] += 1
                if writer is not None:
                    writer.close()
                reader, writer = None, None
        if writer is not None:
            writer.close()

    async def _run(self) -> None:
        url = httpx.URL(self.base)
        host, port = url.host, int(url.port or 80)
        await asyncio.gather(*(self._client(n, host, port) for n in range(self.clients)))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(120)

    def percentile(self, p: float) -> float:
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(len(data) * p))] if data else 0.0


def place_calls(center: Center, cps: int, seconds: float, tmp: Path) -> tuple[int, int, int]:
    calls = int(cps * seconds)
    args = [f"127.0.0.1:{center.port}", "-sn", "uac", "-s", "12345", "-i", TRUNK_IP]
    args += ["-p", str(free_port(TRUNK_IP)), "-r", str(cps), "-m", str(calls), "-d", "1000"]
    args += ["-recv_timeout", "15000", "-timeout", f"{int(seconds + 40)}s"]
    ok, failed = counts(sipp(args, seconds + 60, tmp))
    return calls, ok, failed


def run(name: str, args: argparse.Namespace, with_api: bool) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix=f"load-{name}-") as d:
        tmp = Path(d)
        url = f"sqlite:///{tmp}/bench.db"
        tokens = prepare(url, args.agents, args.clients)
        center = Center(url, tmp, args.agents)
        load = ApiLoad(center.base, tokens, args.clients) if with_api else None
        try:
            before = connects(url)
            if load is not None:
                load.start()
                time.sleep(2)  # the API load is in full swing before the first call
            calls, ok, failed = place_calls(center, args.cps, args.seconds, tmp)
            if load is not None:
                load.stop()
            time.sleep(1.5)  # the last hang-ups land
            connected = connects(url) - before
            try:
                health: object = httpx.get(f"{center.base}/readyz", timeout=10).status_code
            except httpx.HTTPError as exc:
                health = type(exc).__name__  # a stalled server
        finally:
            if load is not None and load._thread.is_alive():
                load.stop()
            center.stop()
    result: dict[str, object] = {"name": name, "calls": calls, "ok": ok, "failed": failed}
    result |= {"connected": connected, "readyz": health}
    if load is not None:
        result |= {
            "statuses": dict(load.statuses),
            "p50": load.percentile(0.5),
            "p99": load.percentile(0.99),
            "max": max(load.latencies, default=0.0),
            "missing_retry_after": load.missing_retry_after,
        }
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cps", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--clients", type=int, default=500)
    ap.add_argument("--agents", type=int, default=150)
    ap.add_argument("--stall", type=float, default=5.0, help="slowest acceptable API answer (s)")
    args = ap.parse_args()
    results = [run("calls alone", args, False), run(f"calls + {args.clients} API clients", args, True)]
    print(f"\n{args.cps} calls/s for {args.seconds:.0f} s, {args.agents} agents, 1 s calls\n")
    print(
        "| run | calls | ok | failed | connected | API 2xx | API 503 | API 5xx other | API errors "
        "| p50 s | p99 s | max s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        statuses = r.get("statuses", {})
        assert isinstance(statuses, dict)
        ok2 = sum(v for k, v in statuses.items() if k.startswith("2"))
        busy = statuses.get("503", 0)
        other5 = sum(v for k, v in statuses.items() if k.startswith("5") and k != "503")
        errors = sum(v for k, v in statuses.items() if not k[0].isdigit())
        api = "statuses" in r
        cols = [str(r["name"]), str(r["calls"]), str(r["ok"]), str(r["failed"]), str(r["connected"])]
        cols += [str(ok2), str(busy), str(other5), str(errors)] if api else ["-"] * 4
        cols += [f"{r['p50']:.3f}", f"{r['p99']:.3f}", f"{r['max']:.2f}"] if api else ["-"] * 3
        print("| " + " | ".join(cols) + " |")
    base, loaded = results
    ratio = int(loaded["connected"]) / max(1, int(base["connected"]))  # type: ignore[call-overload]
    print(
        f"\nconnected calls under API load / alone: {ratio:.2f}; /readyz after the load: {loaded['readyz']}"
    )
    statuses = loaded.get("statuses", {})
    assert isinstance(statuses, dict)
    bad = {k: v for k, v in statuses.items() if not (k.startswith("2") or k == "503")}
    verdict = (
        loaded["failed"] == 0
        and not bad
        and loaded.get("missing_retry_after") == 0
        and float(loaded.get("max", 0.0)) <= args.stall  # type: ignore[arg-type]
    )
    print(f"verdict: {'PASS' if verdict else 'FAIL'} (other answers: {bad or 'none'})")


if __name__ == "__main__":
    main()
