"""Erlang B/C/A against published table values and independent computations (issue 15)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.workforce.erlang import asa_c, erlang_a, erlang_b, erlang_c, service_level_c
from hotline.workforce.staffing import (
    Target,
    required_a,
    required_a_one,
    required_c,
    required_c_one,
    scheduled,
)


@pytest.mark.parametrize(
    ("n", "load", "blocking"),
    # Erlang B tables (e.g. ITU-T E.800-series traffic tables): offered Erlangs for 1 % / 0.1 % loss.
    [
        (5, 5.0, 0.285),
        (6, 5.0, 0.192),
        (10, 5.0, 0.018),
        (10, 4.461, 0.010),
        (20, 12.031, 0.010),
        (50, 37.90, 0.010),
    ],
)
def test_erlang_b_table(n: int, load: float, blocking: float) -> None:
    assert round(erlang_b(n, load), 3) == blocking


def test_erlang_b_large_load_is_stable() -> None:
    # Factorials of 2,000 overflow floats; the recursion does not.
    b = erlang_b(2000, 1900.0)
    assert 0.0 < b < 0.01
    assert not math.isnan(erlang_c(2000, 1900.0))


# The classic worked example (100 calls in 30 min, 180 s AHT → 10 Erlangs, 20 s target) as
# published in call-centre textbooks/articles: P(wait), service level, ASA for 11..14 agents.
@pytest.mark.parametrize(
    ("n", "p_wait", "sl20", "asa"),
    [(11, 0.682, 0.390, 122.8), (12, 0.449, 0.640, 40.4), (13, 0.285, 0.796, 17.1), (14, 0.174, 0.888, 7.8)],
)
def test_erlang_c_classic_case(n: int, p_wait: float, sl20: float, asa: float) -> None:
    assert round(erlang_c(n, 10.0), 3) == p_wait
    assert round(service_level_c(n, 10.0, 180.0, 20.0), 3) == sl20
    assert round(asa_c(n, 10.0, 180.0), 1) == asa


def test_erlang_c_100_calls_an_hour() -> None:
    # 100 calls/h × 180 s = 5 Erlangs: the textbook table P(wait) for 6, 7, 8 agents.
    assert [round(erlang_c(n, 5.0), 3) for n in (6, 7, 8)] == [0.588, 0.324, 0.167]
    assert erlang_c(5, 5.0) == 1.0  # cannot keep up


def _exact_erlang_c(n: int, load: float) -> float:
    from fractions import Fraction

    a = Fraction(load).limit_denominator(10**6)
    term = Fraction(1)
    total = Fraction(0)
    for k in range(n):
        total += term
        term = term * a / (k + 1)
    top = term * n / (n - a)
    return float(top / (total + top))


@given(st.integers(1, 60), st.floats(0.1, 0.98))
def test_erlang_c_matches_exact_sum(n: int, rho: float) -> None:
    load = round(n * rho, 6)
    assert erlang_c(n, load) == pytest.approx(_exact_erlang_c(n, load), rel=1e-9, abs=1e-12)


def _stationary(n: int, lam: float, mu: float, theta: float, cap: int = 400) -> np.ndarray:
    """Birth-death balance solved directly (independent of the module's weights)."""
    p = np.zeros(n + cap + 1)
    p[0] = 1.0
    for k in range(1, len(p)):
        death = min(k, n) * mu + max(k - n, 0) * theta
        p[k] = p[k - 1] * lam / death
    return p / p.sum()


def _served_within_rk4(n: int, lam: float, mu: float, theta: float, t: float) -> float:
    """P(answered within t) by integrating the waiting caller's chain with RK4 (small steps)."""
    pi = _stationary(n, lam, mu, theta)
    ahead = pi[n:].copy()
    p_wait = ahead.sum()
    ahead /= p_wait
    j = np.arange(len(ahead))
    down = n * mu + j * theta

    def deriv(p: np.ndarray) -> tuple[np.ndarray, float]:
        d = -(down + theta) * p
        d[:-1] += down[1:] * p[1:]
        return d, n * mu * p[0]

    p = ahead
    served = 0.0
    steps = 3000
    h = t / steps
    for _ in range(steps):
        k1, s1 = deriv(p)
        k2, s2 = deriv(p + h / 2 * k1)
        k3, s3 = deriv(p + h / 2 * k2)
        k4, s4 = deriv(p + h * k3)
        p = p + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        served += h / 6 * (s1 + 2 * s2 + 2 * s3 + s4)
    return float((1 - p_wait) + p_wait * served)


@pytest.mark.parametrize(
    ("n", "calls", "patience"), [(14, 100, 120.0), (10, 100, 60.0), (8, 100, 300.0), (30, 320, 90.0)]
)
def test_erlang_a_against_direct_solution(n: int, calls: float, patience: float) -> None:
    lam, aht = calls / 1800, 180.0
    perf = erlang_a(n, lam, aht, patience, 15.0)
    pi = _stationary(n, lam, 1 / aht, 1 / patience)
    assert round(perf.wait, 3) == round(float(pi[n:].sum()), 3)
    queue = float((pi[n:] * np.arange(len(pi) - n)).sum())
    assert round(perf.abandon, 3) == round(queue / patience / lam, 3)
    assert round(perf.service_level, 3) == round(_served_within_rk4(n, lam, 1 / aht, 1 / patience, 15.0), 3)


def test_erlang_a_tends_to_erlang_c_when_nobody_hangs_up() -> None:
    perf = erlang_a(14, 100 / 1800, 180.0, 1e9, 20.0)
    assert round(perf.service_level, 3) == round(service_level_c(14, 10.0, 180.0, 20.0), 3) == 0.888
    assert round(perf.wait, 3) == 0.174
    assert perf.answered > 0.999


def test_erlang_a_overload_is_finite() -> None:
    # Twice the load the agents can carry: Erlang C has no answer, Erlang A says who hangs up.
    perf = erlang_a(5, 100 / 1800, 180.0, 60.0, 15.0)
    assert erlang_c(5, 10.0) == 1.0
    assert 0.4 < perf.abandon < 0.6
    assert perf.answered == pytest.approx(1 - perf.abandon)


def test_default_target_is_the_tender_guarantee() -> None:
    t = Target()
    assert (t.service_level, t.answer_seconds, t.answered) == (0.80, 15.0, 0.95)


def test_required_agents_and_shrinkage() -> None:
    target = Target(shrinkage=0.3)
    # 200 calls/half hour × 180 s = 20 Erlangs: 25 agents reach 80 % in 15 s under Erlang C.
    need = required_c([200.0, 100.0, 0.0], 180.0, target)
    assert need.tolist() == [required_c_one(200, 180, target), required_c_one(100, 180, target), 0]
    assert (
        service_level_c(int(need[0]), 20.0, 180.0, 15.0)
        >= 0.8
        > service_level_c(int(need[0]) - 1, 20.0, 180.0, 15.0)
    )
    assert scheduled(need, target).tolist() == [math.ceil(need[0] / 0.7), math.ceil(need[1] / 0.7), 0]
    assert target.scheduled(14) == 20
    # Erlang A: callers who give up shorten the queue, so never more agents than Erlang C here,
    # and both halves of the target hold.
    need_a = required_a([200.0, 100.0], 180.0, target)
    assert (need_a <= need[:2]).all()
    perf = erlang_a(int(need_a[0]), 200 / 1800, 180.0, target.patience, 15.0)
    assert perf.service_level >= 0.8 and perf.answered >= 0.95


@given(st.lists(st.floats(0.0, 600.0), min_size=1, max_size=30), st.sampled_from([60.0, 180.0, 400.0]))
def test_vectorised_erlang_c_matches_one_by_one(calls: list[float], aht: float) -> None:
    target = Target()
    assert required_c(calls, aht, target).tolist() == [required_c_one(c, aht, target) for c in calls]


def test_erlang_a_answered_target_can_drive_the_answer() -> None:
    # Impatient callers (20 s) and a strict answered share: the 95 % half decides.
    strict = Target(service_level=0.5, answered=0.99, patience=20.0)
    n = required_a_one(100, 180, strict)
    assert erlang_a(n, 100 / 1800, 180, 20.0, 15).answered >= 0.99
    assert erlang_a(n - 1, 100 / 1800, 180, 20.0, 15).answered < 0.99


@settings(max_examples=25)
@given(st.lists(st.floats(0.0, 400.0), min_size=1, max_size=12), st.sampled_from([20.0, 120.0, 600.0]))
def test_vectorised_erlang_a_matches_one_by_one(calls: list[float], patience: float) -> None:
    target = Target(patience=patience)
    assert required_a(calls, 200.0, target).tolist() == [required_a_one(c, 200.0, target) for c in calls]
