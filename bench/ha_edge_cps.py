"""SIP calls per second into a hotline node through the Kamailio edge against straight to the node,
in the same run (issue 17).

Run: PYTHONPATH=. .venv/bin/python -m bench.ha_edge_cps [--rates 25,50,75,100,150,200] [--rounds 2]

One `hotline serve` node as the two-node test runs it (tests/ha/cluster.py: SIP on, the leader
lease, PostgreSQL 15, the Redis bus; the call-center rig's queues and published IVR flow), and the
same Kamailio edge config in front of it (dispatcher with OPTIONS probing, Record-Route, the
failover route; one UDP worker). SIPp trunk callers (127.0.0.2; the edge is a trunk peer too, as in
the two-node rig) dial the IVR's number with the edge scenario of the tests (ACK and BYE follow the
dialog's route set, tests/ha/scenarios.py) and hang up as soon as the IVR has answered: each call
is INVITE / 100 / 200 (the IVR answering: CDR opened, flow and caller looked up, greeting started)
/ ACK / BYE / 200, the CDR closed as an IVR abandon. Rates step up for 10 s each; a step is clean
with < 0.1 % failed calls (a failing step is retried once, the box is shared); the figure of a
path is its highest clean rate. Both paths run at each rate in turn (direct, edge, then the next
rate), for `--rounds`, so both come from the same minutes. CPU per step: the node, and Kamailio (all its
processes), in seconds of CPU per wall second.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.sip_cps import TRUNK_IP, cpu_seconds, sipp, sipp_counts
from hotline.store.db import Database
from hotline.store.migrate import upgrade
from tests.callcenter.rig import seed
from tests.ha.cluster import Edge, Node, wait_for
from tests.ha.scenarios import edge_caller_xml
from tests.pg import PgCluster
from tests.redisbus.server import RedisServer
from tests.sip.harness import free_port

STEP_SECONDS = 10
IVR_NUMBER = "12345"


@dataclass
class Step:
    rate: int
    calls: int
    ok: int
    failed: int
    node_cpu: float
    edge_cpu: float

    @property
    def clean(self) -> bool:
        return self.ok + self.failed >= self.calls * 0.999 and self.failed <= self.calls * 0.001


def step(target: str, scenario: Path, rate: int, node: Node, edge: Edge) -> Step:
    assert node.proc is not None
    calls = rate * STEP_SECONDS
    n0, e0, t0 = cpu_seconds(node.proc.pid), cpu_seconds(edge.proc.pid), time.monotonic()
    args = [target, "-sf", str(scenario), "-s", IVR_NUMBER, "-i", TRUNK_IP, "-p", str(free_port(TRUNK_IP))]
    args += ["-r", str(rate), "-m", str(calls), "-recv_timeout", "10000", "-timeout", f"{STEP_SECONDS + 40}s"]
    out = sipp(args, timeout=STEP_SECONDS + 60, cwd=scenario.parent)
    wall = time.monotonic() - t0
    ok, failed = sipp_counts(out)
    node_cpu = (cpu_seconds(node.proc.pid) - n0) / wall
    edge_cpu = (cpu_seconds(edge.proc.pid) - e0) / wall
    return Step(rate, calls, ok, failed, node_cpu, edge_cpu)


def measured(name: str, target: str, scenario: Path, rate: int, node: Node, edge: Edge) -> Step:
    result = step(target, scenario, rate, node, edge)
    if not result.clean:  # the box is shared: one retry tells a hiccup from a ceiling
        result = step(target, scenario, rate, node, edge)
    print(
        f"  {name:<7} {rate:>4} cps: ok={result.ok} failed={result.failed} "
        f"node cpu={result.node_cpu:.0%} kamailio cpu={result.edge_cpu:.0%}",
        flush=True,
    )
    time.sleep(2)  # the last calls' CDRs written before the next step
    return result


def ramp(
    targets: dict[str, str], scenario: Path, rates: list[int], node: Node, edge: Edge
) -> dict[str, list[Step]]:
    """Both paths at each rate in turn (so a burst of other work on the box hits both alike),
    until each has failed a step."""
    done: dict[str, list[Step]] = {name: [] for name in targets}
    for rate in rates:
        for name, target in targets.items():
            if done[name] and not done[name][-1].clean:
                continue
            done[name].append(measured(name, target, scenario, rate, node, edge))
        if all(not steps[-1].clean for steps in done.values()):
            break
    return done


def best(steps: list[Step]) -> int:
    clean = [s.rate for s in steps if s.clean]
    return max(clean) if clean else 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="25,50,75,100,150,200")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="edge-cps-"))
    cluster = PgCluster()
    cluster.start()
    redis = RedisServer(folder / "redis")
    node: Node | None = None
    edge: Edge | None = None
    try:
        cluster.execute("CREATE DATABASE bench")
        url = cluster.url("bench")
        upgrade(url)
        db = Database(url)
        seed(db)
        db.dispose()
        redis.start()
        node = Node("a", url, redis.url, folder / "a", 61000, lease=3.0)
        node.env["HOTLINE_SIP__RTP_PORT_MAX"] = "64998"
        node.env["HOTLINE_SIP__TRUNK_PEERS"] = '["127.0.0.1", "127.0.0.2"]'
        edge = Edge(folder, [node.sip])
        node.start(240)
        wait_for(node.leading, 60, "the node to lead")
        scenario = folder / "caller.xml"
        scenario.write_text(edge_caller_xml("13800000021", "", 0, settle_ms=0))
        targets = {"direct": f"127.0.0.1:{node.sip}", "edge": f"127.0.0.1:{edge.port}"}
        step(targets["edge"], scenario, 5, node, edge)  # warm-up: the edge has probed the node up
        results: dict[str, list[list[Step]]] = {"direct": [], "edge": []}
        for n in range(args.rounds):
            print(f"round {n + 1}:", flush=True)
            for name, steps in ramp(targets, scenario, rates, node, edge).items():
                results[name].append(steps)
        print_table(results, rates)
    finally:
        if node is not None:
            node.kill()
        if edge is not None:
            edge.stop()
        redis.kill()
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


def print_table(results: dict[str, list[list[Step]]], rates: list[int]) -> None:
    labels = {"direct": "SIPp → node", "edge": "SIPp → Kamailio edge → node"}
    print("\n| path | highest clean rate per round (cps) |")
    print("|---|---|")
    for name, label in labels.items():
        print(f"| {label} | {', '.join(str(best(r)) for r in results[name])} |")
    direct = [best(r) for r in results["direct"]]
    edge_best = [best(r) for r in results["edge"]]
    ratios = [e / d for d, e in zip(direct, edge_best, strict=True) if d]
    print(f"\nedge / direct per round: {', '.join(f'{r:.2f}' for r in ratios)}")
    print("\nCPU per call (ms), clean steps, median over rounds: node direct / node via edge / Kamailio")
    for rate in rates:

        def per_call(name: str, key: str, rate: int = rate) -> str:
            values = [
                getattr(s, key) * 1000 / s.rate
                for r in results[name]
                for s in r
                if s.rate == rate and s.clean
            ]
            return f"{statistics.median(values):.1f}" if values else "-"

        row = [per_call("direct", "node_cpu"), per_call("edge", "node_cpu"), per_call("edge", "edge_cpu")]
        print(f"| {rate} cps | {' | '.join(row)} |")


if __name__ == "__main__":
    main()
