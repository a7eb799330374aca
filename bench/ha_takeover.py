"""HA takeover drills: two `hotline serve` nodes behind Kamailio on one PostgreSQL and one Redis
(tests/ha/cluster.py), the leader killed with SIGKILL again and again.

Measures, in one run:
- takeover time: from `kill -9` of the leader to the first new trunk call (SIPp, through Kamailio)
  answered by the other node, over N drills (the killed node is restarted as the standby between
  drills, so leadership alternates);
- an event from one node to a console on the other: an agent's state change made through the
  leader's API (`POST /api/calls/agent/not-ready|ready`) until the `agent.state_changed` arrives
  on a wallboard WebSocket on the standby (Redis hop), and on one on the leader itself (same-node
  baseline), p50/p95 over M changes.

Run: PYTHONPATH=. .venv/bin/python -m bench.ha_takeover [--drills 10] [--events 200] [--lease 2]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from websockets.sync.client import connect

from hotline.people.models import ApiToken, User
from hotline.store.db import Database
from hotline.store.migrate import upgrade
from hotline.web.auth import token_hash
from tests.callcenter.rig import seed
from tests.ha.cluster import Edge, Node, wait_for
from tests.ha.scenarios import edge_caller_xml
from tests.pg import PgCluster
from tests.redisbus.server import RedisServer
from tests.sip.harness import Sipp

AGENT, BOARD = "bench-agent", "bench-board"


def tokens(db: Database) -> None:
    with db.session() as s:
        for username, token in (("e2e1", AGENT), ("e2esup", BOARD)):
            user = s.scalars(select(User).where(User.username == username)).one()
            s.add(ApiToken(name="bench", token_hash=token_hash(token), user_id=user.id))


def call_once(edge: Edge, folder: Path, n: int) -> bool:
    scenario = folder / f"call{n}.xml"
    scenario.write_text(edge_caller_xml(f"1380000{n:04d}", "", 0, settle_ms=0))
    sipp = Sipp(str(scenario), edge.port, cwd=folder, args=["-s", "12345", "-m", "1", "-timeout", "6s"])
    return sipp.run(timeout=15) == 0


def drill(leader: Node, standby: Node, edge: Edge, folder: Path, n: int) -> float:
    killed = time.monotonic()
    leader.kill()
    attempt = 0
    while True:
        attempt += 1
        if call_once(edge, folder, n * 100 + attempt):
            return time.monotonic() - killed
        assert time.monotonic() - killed < 60, "no node answered within a minute"


def ws_latency(node_from: Node, node_to: Node, count: int) -> list[float]:
    """Agent state changes on `node_from` until seen by a wallboard socket on `node_to`, in ms."""
    url = f"ws://127.0.0.1:{node_to.http}/api/calls/ws?token={BOARD}"
    seen: list[tuple[float, str]] = []
    done = threading.Event()
    with connect(url, open_timeout=10) as sock:
        sock.recv(timeout=10)  # the snapshot

        def reader() -> None:
            while not done.is_set():
                try:
                    msg: dict[str, Any] = json.loads(sock.recv(timeout=1))
                except TimeoutError:
                    continue
                if msg.get("type") == "agent.state_changed":
                    seen.append((time.monotonic(), str(msg["data"].get("state"))))

        thread = threading.Thread(target=reader, daemon=True)
        thread.start()
        headers = {"Authorization": f"Bearer {AGENT}"}
        latencies = []
        with httpx.Client(base_url=node_from.base, headers=headers, timeout=10) as client:
            client.post("/api/calls/agent/login")
            time.sleep(0.5)
            for i in range(count):
                want = "not_ready" if i % 2 == 0 else "ready"
                before = len(seen)
                sent = time.monotonic()
                path = "/api/calls/agent/not-ready" if want == "not_ready" else "/api/calls/agent/ready"
                r = client.post(path, json={"reason": "bench"} if want == "not_ready" else None)
                assert r.status_code == 200, r.text
                deadline = sent + 5
                while not any(state == want for _, state in seen[before:]):
                    assert time.monotonic() < deadline, "state change not seen"
                    time.sleep(0.001)
                at = next(t for t, state in seen[before:] if state == want)
                latencies.append((at - sent) * 1000)
        done.set()
        thread.join(3)
    return latencies


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--drills", type=int, default=10)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--lease", type=float, default=2.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ha-bench-"))
    cluster = PgCluster()
    cluster.start()
    redis = RedisServer(folder / "redis")
    nodes: list[Node] = []
    edge: Edge | None = None
    try:
        cluster.execute("CREATE DATABASE bench")
        url = cluster.url("bench")
        upgrade(url)
        db = Database(url)
        seed(db)
        tokens(db)
        redis.start()
        a = Node("a", url, redis.url, folder / "a", 42000, lease=args.lease)
        b = Node("b", url, redis.url, folder / "b", 42400, lease=args.lease)
        nodes = [a, b]
        edge = Edge(folder, [a.sip, b.sip])
        a.start(240)
        wait_for(a.leading, 60, "a leads")
        b.start(240)
        assert call_once(edge, folder, 1), edge.log()

        same = ws_latency(a, a, args.events)
        cross = ws_latency(a, b, args.events)

        times = []
        leader, standby = a, b
        for n in range(1, args.drills + 1):
            took = drill(leader, standby, edge, folder, n)
            times.append(took)
            print(f"drill {n}: {took:.2f} s ({standby.name} took over)", flush=True)
            leader.start(240)  # back as the standby
            leader, standby = standby, leader
            time.sleep(1.5)  # the edge's probes find the restarted node (it answers as standby)
        print(
            json.dumps(
                {
                    "lease_seconds": args.lease,
                    "takeover_s": {
                        "drills": len(times),
                        "median": round(statistics.median(times), 2),
                        "max": round(max(times), 2),
                        "min": round(min(times), 2),
                        "all": [round(t, 2) for t in times],
                    },
                    "event_ms_same_node": {"p50": round(pct(same, 50), 1), "p95": round(pct(same, 95), 1)},
                    "event_ms_other_node": {"p50": round(pct(cross, 50), 1), "p95": round(pct(cross, 95), 1)},
                },
                indent=2,
            )
        )
        db.dispose()
    finally:
        for node in nodes:
            node.kill()
        if edge is not None:
            edge.stop()
        redis.kill()
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
