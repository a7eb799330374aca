"""Erlang B, C and A (M/M/n+M, callers who hang up) for one half hour: the queueing formulas the
staffing plan (`staffing.py`) searches over.

Everything is computed without factorials or powers of the load: Erlang B by its recursion
B(n) = A·B(n-1) / (n + A·B(n-1)), which stays in (0, 1] for any load, and the Erlang C and A
figures from B. Erlang A's queue part is a product of ratios λ / (nμ + jθ) summed until it is
negligible, and its service level (answered within t, before the caller gave up) follows the
waiting callers by uniformization of the queue-ahead chain, so no matrix exponential is needed.
Time unit: seconds; `aht` is the average handle time, `patience` the callers' mean patience.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Queue states kept for Erlang A: enough that the cut-off mass is far below the 3rd decimal.
_TAIL = 1e-12
_MAX_QUEUE = 5000


def erlang_b(n: int, load: float) -> float:
    """Blocking probability of n servers offered `load` Erlangs (iterative, stable)."""
    b = 1.0
    for k in range(1, n + 1):
        b = load * b / (k + load * b)
    return b


def erlang_c(n: int, load: float) -> float:
    """Probability that a caller waits (M/M/n); 1 when the agents cannot keep up (n ≤ load)."""
    if n <= load:
        return 1.0
    b = erlang_b(n, load)
    return n * b / (n - load * (1.0 - b))


def service_level_c(n: int, load: float, aht: float, t: float) -> float:
    """Share of calls answered within t seconds (Erlang C)."""
    if n <= load:
        return 0.0
    return 1.0 - erlang_c(n, load) * math.exp(-(n - load) * t / aht)


def asa_c(n: int, load: float, aht: float) -> float:
    """Average speed of answer in seconds (Erlang C); infinite when n ≤ load."""
    if n <= load:
        return math.inf
    return erlang_c(n, load) * aht / (n - load)


@dataclass(frozen=True, slots=True)
class ErlangA:
    """One half hour under Erlang A: `wait` P(caller waits), `abandon` P(caller hangs up before an
    agent answers), `service_level` P(answered within t), `answered` 1 − abandon, `asa` mean wait
    of the answered callers (seconds), `queue` mean number waiting."""

    wait: float
    abandon: float
    service_level: float
    answered: float
    asa: float
    queue: float


def _queue_weights(n: int, rate: float, mu: float, theta: float) -> np.ndarray:
    """w_m = Π_{j=1..m} λ / (nμ + jθ), m = 0.., cut where the next term is negligible."""
    weights = [1.0]
    w = 1.0
    total = 1.0
    m = 0
    while m < _MAX_QUEUE:
        m += 1
        w *= rate / (n * mu + m * theta)
        weights.append(w)
        total += w
        if w < _TAIL * total and n * mu + m * theta > rate:
            break
    return np.asarray(weights)


def erlang_a(n: int, calls_per_s: float, aht: float, patience: float, t: float) -> ErlangA:
    """Erlang A with n agents, Poisson arrivals, exponential handle times and patience."""
    mu = 1.0 / aht
    theta = 1.0 / patience
    load = calls_per_s * aht
    if calls_per_s <= 0.0:
        return ErlangA(0.0, 0.0, 1.0, 1.0, 0.0, 0.0)  # nobody calls, nobody waits
    if n <= 0:
        return ErlangA(1.0, 1.0, 0.0, 0.0, math.inf, math.inf)
    w = _queue_weights(n, calls_per_s, mu, theta)
    s = float(w.sum())
    b = erlang_b(n, load)
    # Σ_{k<n} π_k / π_n = (1 − B) / B from the loss system; written to avoid dividing by B.
    p_wait = b * s / (1.0 - b + b * s)
    ahead = w / s  # queue length an arriving caller who waits finds (PASTA)
    m = np.arange(len(w), dtype=float)
    mean_ahead = float((ahead * m).sum())
    queue = p_wait * mean_ahead
    abandon = theta * queue / calls_per_s  # Little: abandonments per second = θ · E[queue]
    served_by_t = _served_within(ahead, n * mu, theta, t)
    sl = (1.0 - p_wait) + p_wait * served_by_t
    answered = 1.0 - abandon
    waited = queue / calls_per_s  # mean wait of all callers (Little)
    # Wait of answered callers: the abandoners' share of waiting time is removed in proportion.
    asa = waited / answered if answered > 0 else math.inf
    return ErlangA(p_wait, abandon, sl, answered, asa, queue)


def _served_within(ahead: np.ndarray, service: float, theta: float, t: float) -> float:
    """P(a waiting caller reaches an agent within t and before hanging up), by uniformization.

    State j = callers ahead (0 = first in line); j → j−1 at rate nμ + jθ, 0 → answered at nμ,
    and the caller's own patience ends the wait at θ from any state.
    """
    k = len(ahead)
    j = np.arange(k, dtype=float)
    down = service + j * theta  # rate to j−1 (from 0: to answered)
    out = down + theta
    big = float(out.max())
    lam_t = big * t
    p = ahead.copy()
    answered = 0.0
    # Poisson(Λt) weights, iteratively (log-space start so large Λt does not underflow).
    log_weight = -lam_t
    terms = int(lam_t + 10.0 * math.sqrt(lam_t) + 20.0)
    cumulative = 0.0  # P(Poisson(Λt) ≥ i+1) drives the absorbed mass after step i
    stay = 1.0 - out / big
    move = down / big
    for i in range(terms):
        weight = math.exp(log_weight)
        cumulative += weight
        # Mass absorbed into "answered" at jump i+1 counts if that jump happens by t.
        answered += float(p[0] * move[0]) * (1.0 - cumulative)
        shifted = np.zeros_like(p)
        shifted[:-1] = p[1:] * move[1:]
        p = p * stay + shifted
        log_weight += math.log(lam_t) - math.log(i + 1) if lam_t > 0 else -math.inf
    return answered


def erlang_a_many(
    n: np.ndarray, calls_per_s: np.ndarray, aht: float, patience: float, t: float
) -> tuple[np.ndarray, np.ndarray]:
    """(service level, answered share) under Erlang A for many half hours at once, row i with
    n[i] agents (≥ 1) and calls_per_s[i] > 0: the same figures as `erlang_a`, in numpy arrays,
    so a 4-week horizon is a handful of vector passes instead of thousands of calls."""
    agents = np.asarray(n, dtype=float)
    lam = np.asarray(calls_per_s, dtype=float)
    mu, theta = 1.0 / aht, 1.0 / patience
    load = lam * aht
    b = np.ones(len(lam))
    for k in range(1, int(agents.max()) + 1):
        step = load * b / (k + load * b)
        b = np.where(k <= agents, step, b)
    size = 32
    while True:
        j = np.arange(1, size + 1, dtype=float)
        log_ratio = np.log(lam)[:, None] - np.log(agents[:, None] * mu + j[None, :] * theta)
        log_w = np.concatenate([np.zeros((len(lam), 1)), np.cumsum(log_ratio, axis=1)], axis=1)
        top = log_w.max(axis=1, keepdims=True)
        w = np.exp(log_w - top)
        s = w.sum(axis=1)
        # Done when every row's last state is negligible and its ratios have turned below 1.
        if ((w[:, -1] < _TAIL * s).all() and (log_ratio[:, -1] < 0).all()) or size >= _MAX_QUEUE:
            break
        size *= 2
    with np.errstate(divide="ignore", over="ignore"):
        log_bs = np.log(b) + top[:, 0] + np.log(s)
        p_wait = 1.0 / (1.0 + np.exp(np.log1p(-b) - log_bs))
    # Each row keeps the states it needs (the rest hold < 1e-12 of its mass), so its own
    # uniformization rate, and with it the number of steps, stays small.
    needed = np.where(w >= _TAIL * s[:, None], np.arange(size + 1)[None, :], 0).max(axis=1)
    width = int(needed.max()) + 1
    states = np.arange(width, dtype=float)
    w = np.where(states[None, :] <= needed[:, None], w[:, :width], 0.0)
    ahead = w / w.sum(axis=1, keepdims=True)
    queue = p_wait * (ahead * states[None, :]).sum(axis=1)
    answered = 1.0 - theta * queue / lam
    down = agents[:, None] * mu + states[None, :] * theta
    big = agents * mu + (needed + 1) * theta
    lam_t = big * t
    move = down / big[:, None]
    stay = 1.0 - (down + theta) / big[:, None]
    terms = int((lam_t + 5.0 * np.sqrt(lam_t) + 8.0).max())
    log_weight = -lam_t
    log_lam_t = np.log(lam_t)
    cumulative = np.zeros(len(lam))
    served = np.zeros(len(lam))
    p = ahead
    for i in range(terms):
        cumulative += np.exp(log_weight)
        served += p[:, 0] * move[:, 0] * np.maximum(1.0 - cumulative, 0.0)
        shifted = p * stay
        shifted[:, :-1] += p[:, 1:] * move[:, 1:]
        p = shifted
        log_weight = log_weight + log_lam_t - math.log(i + 1)
    sl = (1.0 - p_wait) + p_wait * served
    return sl, answered
