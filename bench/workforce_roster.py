"""60 agents, 4 weeks: the greedy+repair roster (hotline/workforce/roster.py) against OR-Tools
CP-SAT on the same requirement and rules, for bench/RESULTS.md ("Workforce: roster").

Run: .venv/bin/python -m bench.workforce_roster [--cpsat-seconds 60] [--repeat 3] [--skills]
CP-SAT runs only where `ortools` is installed (it is not a dependency of hotline: see RESULTS.md).
`--skills` also plans the same 60 agents for three language skills in one run (普通话, 粤语, 手语).
"""

from __future__ import annotations

import argparse
import time
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from hotline.workforce.roster import (
    SLOTS_PER_DAY,
    AgentSpec,
    Result,
    Rules,
    Template,
    generate,
    generate_by_skill,
)
from hotline.workforce.synthetic import requirement

TEMPLATES = [
    Template("A", 12, 16),  # 06-14
    Template("B", 16, 16),  # 08-16
    Template("C", 18, 16),  # 09-17
    Template("D", 20, 16),  # 10-18
    Template("E", 24, 16),  # 12-20
    Template("F", 28, 16),  # 14-22
    Template("G", 32, 16),  # 16-24
    Template("N", 44, 16),  # 22-06
]
START = date(2026, 1, 5)  # a Monday
DAYS = 28


def describe(name: str, seconds: float, r: Result) -> None:
    need = r.required
    positive = need > 0
    met_pos = float(np.mean(r.scheduled[positive] >= need[positive]))
    short = r.shortfall
    wk = list(r.weekend_shifts.values())
    print(
        f"{name}: {seconds:.1f} s, met {100 * r.met_share:.2f} % of {len(need)} half hours "
        f"({100 * met_pos:.2f} % of those needing agents), short {len(short)} half hours / "
        f"{sum(m for _, m in short)} agent-half-hours, shifts {len(r.assignments)}, "
        f"weekend shifts per agent {min(wk)}-{max(wk)}, "
        f"surplus {int(np.clip(r.scheduled - need, 0, None).sum())}"
    )
    if short:
        origin = datetime.combine(START, datetime.min.time())
        first = [(origin + timedelta(minutes=30 * i), m) for i, m in short[:4]]
        print("   first gaps:", ", ".join(f"{t:%m-%d %H:%M} −{m}" for t, m in first))


def cpsat(need: np.ndarray, agents: list[AgentSpec], rules: Rules, seconds: float) -> tuple[float, Result]:
    from ortools.sat.python import cp_model

    from hotline.workforce.roster import Assignment

    m = cp_model.CpModel()
    n_t = len(TEMPLATES)
    x: dict[tuple[int, int, int], Any] = {}
    for a in agents:
        for d in range(DAYS):
            for t in range(n_t):
                x[a.id, d, t] = m.NewBoolVar("")
            m.Add(sum(x[a.id, d, t] for t in range(n_t)) <= 1)
        for w in range(DAYS // 7):
            m.Add(
                sum(x[a.id, d, t] for d in range(7 * w, 7 * w + 7) for t in range(n_t))
                <= rules.max_days_per_week
            )
        for d in range(DAYS - 1):
            for t, tpl in enumerate(TEMPLATES):
                for t2, tpl2 in enumerate(TEMPLATES):
                    if SLOTS_PER_DAY + tpl2.start - (tpl.start + tpl.length) < rules.min_rest_hours * 2:
                        m.Add(x[a.id, d, t] + x[a.id, d + 1, t2] <= 1)
    horizon = DAYS * SLOTS_PER_DAY
    covering: list[list[Any]] = [[] for _ in range(horizon)]
    for (_aid, d, t), var in x.items():
        first = d * SLOTS_PER_DAY + TEMPLATES[t].start
        for s in range(first, min(first + TEMPLATES[t].length, horizon)):
            covering[s].append(var)
    short = []
    for s in range(horizon):
        if need[s] > 0:
            u = m.NewIntVar(0, int(need[s]), "")
            m.Add(sum(covering[s]) + u >= int(need[s]))
            short.append(u)
    weekend_days = [d for d in range(DAYS) if (START + timedelta(days=d)).weekday() >= 5]
    hi = m.NewIntVar(0, len(weekend_days), "")
    lo = m.NewIntVar(0, len(weekend_days), "")
    for a in agents:
        wk = sum(x[a.id, d, t] for d in weekend_days for t in range(n_t))
        m.Add(wk <= hi)
        m.Add(wk >= lo)
    m.Minimize(1000 * sum(short) + 50 * (hi - lo) + sum(x.values()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 2
    t0 = time.perf_counter()
    solver.Solve(m)
    spent = time.perf_counter() - t0
    scheduled = np.zeros(horizon, dtype=np.int64)
    out = []
    weekend = {a.id: 0 for a in agents}
    for (aid, d, t), var in x.items():
        if solver.Value(var):
            out.append(Assignment(aid, START + timedelta(days=d), TEMPLATES[t].code))
            first = d * SLOTS_PER_DAY + TEMPLATES[t].start
            scheduled[first : min(first + TEMPLATES[t].length, horizon)] += 1
            weekend[aid] += d in weekend_days
    return spent, Result(out, need, scheduled, weekend)


def by_skill(repeat: int) -> None:
    """60 agents, 4 weeks, three skills in one run: 44 speak 普通话 only, 10 also 粤语, 2 粤语 only,
    4 普通话 and 手语; 普通话 from the known pattern at peak 26, 粤语 at peak 6, one signer
    08:00-20:00 every day."""
    agents = [AgentSpec(i, frozenset({"普通话"})) for i in range(44)]
    agents += [AgentSpec(100 + i, frozenset({"普通话", "粤语"})) for i in range(10)]
    agents += [AgentSpec(200 + i, frozenset({"粤语"})) for i in range(2)]
    agents += [AgentSpec(300 + i, frozenset({"普通话", "手语"})) for i in range(4)]
    signs = np.zeros(DAYS * SLOTS_PER_DAY, dtype=np.int64)
    for d in range(DAYS):
        signs[d * SLOTS_PER_DAY + 16 : d * SLOTS_PER_DAY + 40] = 1
    need = {"普通话": requirement(START, DAYS, 26), "粤语": requirement(START, DAYS, 6), "手语": signs}
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = generate_by_skill(START, DAYS, need, TEMPLATES, agents)
        times.append(time.perf_counter() - t0)
    describe(f"  by skill (best of {repeat})", min(times), result)
    for skill, (req, got) in result.skills.items():
        met, short = float(np.mean(got >= req)), int(np.clip(req - got, 0, None).sum())
        print(f"    {skill}: met {100 * met:.2f} %, short {short} agent-half-hours")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cpsat-seconds", type=float, default=60.0)
    parser.add_argument("--peaks", default="36,40,48")
    parser.add_argument("--repeat", type=int, default=1, help="greedy runs per peak (the best time)")
    parser.add_argument("--skills", action="store_true", help="also the three-skill run")
    parser.add_argument("--no-cpsat", action="store_true")
    args = parser.parse_args()
    agents = [AgentSpec(i) for i in range(60)]
    rules = Rules()
    for peak in (int(p) for p in args.peaks.split(",")):
        need = requirement(START, DAYS, peak)
        print(f"peak {peak}: {need.sum()} agent-half-hours required, capacity 60 × 5 × 16 × 4 = 19200")
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            greedy = generate(START, DAYS, need, TEMPLATES, agents, rules)
            times.append(time.perf_counter() - t0)
        describe(f"  greedy+repair (best of {args.repeat})", min(times), greedy)
        if args.no_cpsat:
            continue
        try:
            spent, result = cpsat(need, agents, rules, args.cpsat_seconds)
        except ImportError:
            print("  CP-SAT: ortools not installed")
            continue
        describe("  CP-SAT", spent, result)
    if args.skills:
        print("three skills in one run:")
        by_skill(args.repeat)


if __name__ == "__main__":
    main()
