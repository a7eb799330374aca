"""Routing decision latency of the ACD with 1,000 agents and 10,000 waiting callers.

Measures, on the real `hotline.acd.engine.Acd`: (1) an agent becoming ready and being offered the
best waiting caller across their queues, (2) a new caller arriving while agents are ready (agent
choice by strategy), (3) a caller's position and estimated wait. The reference run in the same
invocation is a naive scan (min over every waiting caller / every ready agent), printed as a ratio.
Target: p99 < 1 ms for (1) and (2).

Run: .venv/bin/python -m bench.callcenter_routing [--agents 1000] [--callers 10000] [--n 5000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from hotline.acd.engine import Acd, Offer
from hotline.acd.queue import QueueConfig
from hotline.acd.ready import Agent, Strategy

QUEUES = [f"q{i}" for i in range(20)]


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def build(agents: int, callers: int, strategy: Strategy) -> Acd:
    rnd = random.Random(7)
    acd = Acd()
    for q in QUEUES:
        acd.add_queue(QueueConfig(q, strategy=strategy, wrap_up_seconds=1e9, ring_timeout_seconds=1e9))
    for i in range(1, agents + 1):
        skills = {q: rnd.randint(1, 10) for q in rnd.sample(QUEUES, 3)}
        acd.add_agent(Agent(i, f"a{i}", skills, position=i))
    for n in range(callers):
        acd.enqueue(f"w{n}", rnd.choice(QUEUES), "x", rnd.choice([0, 0, 0, 1, 2, 3]), n * 0.01)
    return acd


def bench_agent_ready(acd: Acd, n: int, t0: float) -> list[float]:
    """An agent logs in / turns ready and is offered a caller; then answers and hangs up."""
    times = []
    ids = list(acd.agents)
    now = t0
    for k in range(n):
        aid = ids[k % len(ids)]
        agent = acd.agents[aid]
        now += 0.001
        start = time.perf_counter()
        actions = acd.login(aid, now) if agent.state.value == "logged_out" else acd.set_ready(aid, now)
        times.append(time.perf_counter() - start)
        offer = next((a for a in actions if isinstance(a, Offer)), None)
        if offer is not None:
            acd.answer(aid, offer.call_id, now)
            acd.hangup(offer.call_id, now)  # into (long) wrap-up
            acd.set_not_ready(aid, now, "bench")
        else:
            acd.set_not_ready(aid, now, "bench")
    return times


def bench_caller_arrives(acd: Acd, n: int, t0: float) -> list[float]:
    """Agents ready, queues empty: each arriving caller gets an agent by strategy."""
    for aid, agent in acd.agents.items():
        if agent.state.value in ("not_ready", "wrap_up"):
            acd.set_ready(aid, t0)
    for cid in list(acd.calls):
        acd.abandon(cid, t0)
    rnd = random.Random(3)
    times = []
    now = t0
    for k in range(n):
        now += 0.001
        cid = f"n{k}"
        start = time.perf_counter()
        actions = acd.enqueue(cid, rnd.choice(QUEUES), "x", 0, now)
        times.append(time.perf_counter() - start)
        offer = next(a for a in actions if isinstance(a, Offer))
        acd.answer(offer.agent_ids[0], cid, now)
        acd.hangup(cid, now)
        acd.set_ready(offer.agent_ids[0], now)
    return times


def naive_agent_ready(acd: Acd, n: int) -> list[float]:
    """Reference: scan every waiting caller of the agent's queues for the best key."""
    calls = list(acd.calls.values())
    ids = list(acd.agents)
    times = []
    for k in range(n):
        skills = acd.agents[ids[k % len(ids)]].skills
        start = time.perf_counter()
        best = min((c for c in calls if c.queue in skills), key=lambda c: c.key, default=None)
        times.append(time.perf_counter() - start)
        del best
    return times


def naive_caller_arrives(acd: Acd, n: int) -> list[float]:
    agents = list(acd.agents.values())
    times = []
    for k in range(n):
        q = QUEUES[k % len(QUEUES)]
        start = time.perf_counter()
        best = min((a for a in agents if q in a.skills), key=lambda a: a.idle_since, default=None)
        times.append(time.perf_counter() - start)
        del best
    return times


def row(name: str, times: list[float], ref: list[float] | None) -> str:
    p50, p99 = percentile(times, 50) * 1e3, percentile(times, 99) * 1e3
    mean = statistics.fmean(times) * 1e3
    ratio = f"{percentile(ref, 99) / percentile(times, 99):8.1f}x" if ref else "       -"
    return f"| {name:<44} | {p50:7.4f} | {p99:7.4f} | {mean:7.4f} | {ratio} |"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=1000)
    ap.add_argument("--callers", type=int, default=10000)
    ap.add_argument("--n", type=int, default=5000)
    args = ap.parse_args()
    print(f"ACD routing: {args.agents} agents, {args.callers} waiting callers, {len(QUEUES)} queues")
    print("| operation                                    | p50 ms  | p99 ms  | mean ms | naive p99 / ours |")
    print("|---|---|---|---|---|")
    for strategy in (Strategy.longest_idle, Strategy.skill_level, Strategy.round_robin):
        acd = build(args.agents, args.callers, strategy)
        waiting = len(acd.calls)
        ref = naive_agent_ready(acd, min(args.n, 500))
        ours = bench_agent_ready(acd, args.n, 1e6)
        print(row(f"agent ready -> best caller ({strategy.value})", ours, ref))
        assert len(acd.calls) >= waiting - args.n
        cids = list(acd.calls)
        pos = []
        for cid in cids[: args.n]:
            start = time.perf_counter()
            acd.position(cid)
            pos.append(time.perf_counter() - start)
        print(row(f"position + estimated wait ({len(cids)} waiting)", pos, None))
        ref2 = naive_caller_arrives(acd, min(args.n, 500))
        ours2 = bench_caller_arrives(acd, args.n, 2e6)
        print(row(f"caller arrives -> agent ({strategy.value})", ours2, ref2))


if __name__ == "__main__":
    main()
