"""A call history with a known pattern, for the forecast's tests, the bench and demo data: the
truth the forecast should find again (`TRUE_FACTOR`, `TRUE_SHAPE`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np

from hotline.workforce.daytypes import day_type
from hotline.workforce.forecast import SLOTS


def synthetic(
    start: date,
    days: int,
    *,
    base: float = 3000.0,
    growth: float = 0.001,
    seed: int | None = 7,
    overrides: dict[date, bool] | None = None,
) -> np.ndarray:
    """A call history with a known pattern (tests and the bench): a daily level growing by
    `growth` a day, weekday and holiday factors, a two-peak working-day shape and a flatter
    holiday shape, Poisson noise unless `seed` is None (then the exact expectation)."""
    rng = np.random.default_rng(seed) if seed is not None else None
    out = np.zeros((days, SLOTS))
    for i in range(days):
        day = start + timedelta(days=i)
        kind = day_type(day, overrides)
        mean = base * (1 + growth * i) * TRUE_FACTOR[kind] * TRUE_SHAPE[_shape_of(kind)]
        out[i] = rng.poisson(mean) if rng is not None else mean
    return out


TRUE_FACTOR = {
    "mon": 1.15,
    "tue": 1.0,
    "wed": 0.97,
    "thu": 0.95,
    "fri": 0.93,
    "sat": 0.55,
    "sun": 0.5,
    "holiday": 0.4,
    "makeup": 1.1,
}


def _shape(peaks: Sequence[tuple[float, float, float]]) -> np.ndarray:
    hours = (np.arange(SLOTS) + 0.5) / 2
    curve = np.full(SLOTS, 0.02)
    for centre, width, height in peaks:
        curve += height * np.exp(-((hours - centre) ** 2) / (2 * width**2))
    return np.asarray(curve / curve.sum())


TRUE_SHAPE = {
    "work": _shape([(10.0, 1.6, 1.0), (15.0, 1.8, 0.8), (20.0, 1.5, 0.3)]),
    "rest": _shape([(11.0, 2.5, 1.0), (16.0, 2.5, 0.7)]),
}


def _shape_of(kind: str) -> str:
    return "rest" if kind in ("sat", "sun", "holiday") else "work"


def requirement(start: date, days: int, peak: int, floor: int = 1) -> np.ndarray:
    """Agents required per half hour (days × 48, flat) following the known pattern, the busiest
    half hour of an ordinary Monday needing `peak` agents and never fewer than `floor` (a 24-hour
    hotline keeps someone on the phones at night)."""
    top = TRUE_FACTOR["mon"] * TRUE_SHAPE["work"].max()
    out = np.zeros((days, SLOTS), dtype=np.int64)
    for i in range(days):
        kind = day_type(start + timedelta(days=i))
        curve = TRUE_FACTOR[kind] * TRUE_SHAPE[_shape_of(kind)] / top * peak
        out[i] = np.maximum(np.ceil(curve - 1e-9), floor)
    return out.ravel()
