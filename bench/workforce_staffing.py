"""Staffing for a 4-week horizon (1,344 half hours) under Erlang C and Erlang A, and the forecast's
MAPE on synthetic history with a known pattern (held-back months), for bench/RESULTS.md.

Run: .venv/bin/python -m bench.workforce_staffing
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import numpy as np

from hotline.workforce.forecast import fit, mape
from hotline.workforce.staffing import Target, required_a, required_c, scheduled
from hotline.workforce.synthetic import synthetic

START = date(2024, 1, 1)


def best_of(fn, repeat: int = 7) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times) * 1000


def main() -> None:
    history = synthetic(START, 731 + 28, seed=5)
    model = fit(START, history[:731])
    horizon = model.days(START + timedelta(days=731), 28).ravel()  # 1,344 half hours
    assert len(horizon) == 1344
    target = Target()
    ms_c = best_of(lambda: required_c(horizon, 240.0, target))
    ms_a = best_of(lambda: required_a(horizon, 240.0, target), repeat=3)
    ms_a_raw = best_of(
        lambda: required_a(
            np.round(horizon, 1) + np.random.default_rng(1).random(1344) * 1e-3, 240.0, target
        ),
        repeat=1,
    )
    need_c = required_c(horizon, 240.0, target)
    need_a = required_a(horizon, 240.0, target)
    print(
        f"intervals: {len(horizon)}, calls: {horizon.sum():.0f}, AHT 240 s, "
        "target 80 %/15 s, 95 % answered, patience 120 s"
    )
    print(
        f"Erlang C staffing: {ms_c:.1f} ms (best of 7); agent-half-hours {need_c.sum()}, "
        f"scheduled {scheduled(need_c, target).sum()}"
    )
    print(
        f"Erlang A staffing: {ms_a:.1f} ms (best of 3); agent-half-hours {need_a.sum()} "
        f"({100 * (1 - need_a.sum() / need_c.sum()):.1f} % fewer)"
    )
    print(f"Erlang A, every volume distinct (no memo): {ms_a_raw:.0f} ms")
    t0 = time.perf_counter()
    fit(START, history[:731])
    print(f"forecast fit on 731 days: {(time.perf_counter() - t0) * 1000:.1f} ms")
    for month, days in ((date(2025, 10, 1), 31), (date(2025, 12, 1), 31), (date(2026, 1, 1), 28)):
        cut = (month - START).days
        m = fit(START, history[:cut])
        fc = m.days(month, days)
        actual = history[cut : cut + days]
        truth = synthetic(START, cut + days, seed=None)[cut:]
        print(
            f"held-back {month:%Y-%m}: MAPE {100 * mape(actual, fc, 20):.2f} % (half hours ≥ 20 calls), "
            f"noise floor {100 * mape(actual, truth, 20):.2f} %, "
            f"daily {100 * mape(actual.sum(1), fc.sum(1)):.2f} %"
        )


if __name__ == "__main__":
    main()
