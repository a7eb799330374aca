"""Agents required per half hour for a service target: the smallest n that meets it under Erlang C
(every caller waits until answered) or Erlang A (callers hang up after their patience), then
grossed up for shrinkage (breaks, training, absence) to the agents that must be scheduled.

The default target is the tender's answer-rate guarantee (GB/T 33358): 80 % of calls answered
within 15 s and at least 95 % of calls answered. Erlang C cannot see the second half (nobody
hangs up in it), so it is met there by the service level alone; Erlang A checks both.

`required_c` handles a whole horizon at once: the Erlang B recursion runs over n for every
interval in one numpy array, so 1,344 half hours (4 weeks) cost a few hundred vector steps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hotline.workforce.erlang import erlang_a, erlang_a_many, service_level_c

INTERVAL_SECONDS = 1800


@dataclass(frozen=True, slots=True)
class Target:
    """Service target: `service_level` of calls answered within `answer_seconds`, at least
    `answered` of calls answered (Erlang A), `shrinkage` the share of paid time not on the phones,
    `patience` the callers' mean patience in seconds (Erlang A)."""

    service_level: float = 0.80
    answer_seconds: float = 15.0
    answered: float = 0.95
    shrinkage: float = 0.30
    patience: float = 120.0

    def scheduled(self, required: int) -> int:
        """Agents to schedule so that `required` are on the phones after shrinkage."""
        if required <= 0:
            return 0
        return math.ceil(required / (1.0 - self.shrinkage) - 1e-9)


def required_c(calls: Sequence[float] | np.ndarray, aht: float, target: Target) -> np.ndarray:
    """Agents on the phones needed per interval under Erlang C (0 where no calls are expected).

    `calls` are offered calls per half hour. Vectorised over intervals: at each n, B(n) is
    updated for every interval still short, and an interval is done at the first n whose service
    level meets the target.
    """
    volume = np.asarray(calls, dtype=float)
    load = volume * aht / INTERVAL_SECONDS
    need = np.zeros(len(load), dtype=np.int64)
    open_ = load > 0
    b = np.ones(len(load))
    n = 0
    t = target.answer_seconds
    while open_.any():
        n += 1
        b = load * b / (n + load * b)
        over = open_ & (n > load)
        if over.any():
            a = load[over]
            bo = b[over]
            c = n * bo / (n - a * (1.0 - bo))
            sl = 1.0 - c * np.exp(-(n - a) * t / aht)
            met = sl >= target.service_level
            idx = np.flatnonzero(over)[met]
            need[idx] = n
            open_[idx] = False
    return need


def required_c_one(calls: float, aht: float, target: Target) -> int:
    """The same as `required_c` for one interval, by a plain upward search (the reference)."""
    load = calls * aht / INTERVAL_SECONDS
    if load <= 0:
        return 0
    n = max(1, math.floor(load))
    while service_level_c(n, load, aht, target.answer_seconds) < target.service_level:
        n += 1
    return n


def meets_a(n: int, calls: float, aht: float, target: Target) -> bool:
    perf = erlang_a(n, calls / INTERVAL_SECONDS, aht, target.patience, target.answer_seconds)
    return perf.service_level >= target.service_level and perf.answered >= target.answered


def required_a_one(calls: float, aht: float, target: Target, upper: int | None = None) -> int:
    """Smallest n meeting both halves of the target under Erlang A (bisection: both measures
    rise with n). `upper` is a known sufficient n (Erlang C's answer usually is)."""
    if required_c_one(calls, aht, target) == 0:
        return 0  # no load worth an agent (also volumes too small to be a rate)
    hi = upper if upper is not None else required_c_one(calls, aht, target)
    hi = max(hi, 1)
    while not meets_a(hi, calls, aht, target):
        hi *= 2
    lo = 0  # 0 agents never meet a positive target
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if meets_a(mid, calls, aht, target):
            hi = mid
        else:
            lo = mid
    return hi


def required_a(calls: Sequence[float] | np.ndarray, aht: float, target: Target) -> np.ndarray:
    """Erlang A per interval, all intervals at once: start from Erlang C's answer, step down while
    the target still holds (callers who hang up shorten the queue) and up while it does not (the
    answered share can bind for impatient callers)."""
    volume = np.asarray(calls, dtype=float)
    need = required_c(volume, aht, target).astype(np.int64)
    lam = volume / INTERVAL_SECONDS
    need[lam <= 0] = 0

    def ok(rows: np.ndarray, agents: np.ndarray) -> np.ndarray:
        sl, answered = erlang_a_many(agents, lam[rows], aht, target.patience, target.answer_seconds)
        return np.asarray((sl >= target.service_level) & (answered >= target.answered))

    rows = np.flatnonzero(need > 1)
    # Most half hours need fewer agents than Erlang C says: try one fewer first.
    fewer = ok(rows, need[rows] - 1) if len(rows) else np.zeros(0, dtype=bool)
    down = rows[fewer]
    need[down] -= 1
    check = np.concatenate([rows[~fewer], np.flatnonzero(need == 1)])
    short = check[~ok(check, need[check])] if len(check) else check
    while len(short):
        need[short] += 1
        short = short[~ok(short, need[short])]
    down = down[need[down] > 1]
    while len(down):
        down = down[ok(down, need[down] - 1)]
        need[down] -= 1
        down = down[need[down] > 1]
    return need


def scheduled(required: np.ndarray, target: Target) -> np.ndarray:
    """Agents to schedule per interval after shrinkage."""
    return np.ceil(required / (1.0 - target.shrinkage) - 1e-9).astype(np.int64)
