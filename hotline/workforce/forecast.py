"""Offered calls per half hour, forecast from the call history: a trend × day-type level × the
day type's shape over the 48 half hours (local time, Asia/Shanghai).

Fit: daily totals are divided by their day type's factor and a straight line is fitted to the
result (least squares; the trend); each day type's factor is the mean of its days' totals over
the trend, refitted a few times; each day type's shape is the mean share of the day's calls per
half hour. Holidays and make-up working days are their own types (`daytypes.py`) and borrow a
neighbouring type's figures until the history has one of theirs. Pure numpy: the history comes
in as an array, the database read is `calls/volume.py`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from hotline.workforce.daytypes import DAY_TYPES, day_type, fallback

SLOTS = 48
MIN_TREND_DAYS = 28


@dataclass(frozen=True)
class Model:
    """A fitted forecast: `origin` is day 0 of the trend line (intercept, slope per day)."""

    origin: date
    intercept: float
    slope: float
    factor: dict[str, float]
    shape: dict[str, np.ndarray]
    overrides: dict[date, bool] = field(default_factory=dict)

    def day(self, day: date) -> np.ndarray:
        """Expected calls in each half hour of `day`."""
        kind = self._known(day_type(day, self.overrides))
        t = (day - self.origin).days
        level = max(self.intercept + self.slope * t, 0.0)
        return level * self.factor[kind] * self.shape[kind]

    def days(self, start: date, count: int) -> np.ndarray:
        """`count` days from `start` as one array of count × 48 half hours, row per day."""
        return np.stack([self.day(start + timedelta(days=i)) for i in range(count)])

    def _known(self, kind: str) -> str:
        if kind in self.factor:
            return kind
        for other in fallback(kind):
            if other in self.factor:
                return other
        return next(iter(self.factor))


def fit(
    start: date, history: np.ndarray, overrides: dict[date, bool] | None = None, rounds: int = 4
) -> Model:
    """Fit on `history` (days × 48 offered calls per half hour), day 0 being `start`."""
    counts = np.asarray(history, dtype=float)
    if counts.ndim != 2 or counts.shape[1] != SLOTS or len(counts) == 0:
        raise ValueError("history must be days × 48 half hours")
    overrides = overrides or {}
    # The history starts with the first call: the days before the center went live say nothing.
    busy = np.flatnonzero(counts.sum(axis=1) > 0)
    if len(busy) and busy[0] > 0:
        start, counts = start + timedelta(days=int(busy[0])), counts[busy[0] :]
    kinds = [day_type(start + timedelta(days=i), overrides) for i in range(len(counts))]
    totals = counts.sum(axis=1)
    t = np.arange(len(counts), dtype=float)
    present = sorted(set(kinds), key=DAY_TYPES.index)
    idx = {k: np.array([i for i, kk in enumerate(kinds) if kk == k]) for k in present}
    factor = {k: 1.0 for k in present}
    intercept, slope = float(totals.mean()), 0.0
    if totals.sum() <= 0:
        rounds = 0  # no calls at all: a flat zero forecast
        intercept = 0.0
    for _ in range(rounds):
        f = np.array([factor[k] for k in kinds])
        seen = f > 0  # a day type without a single call so far carries no level
        intercept, slope = _line(t[seen], totals[seen] / f[seen])
        level = np.maximum(intercept + slope * t, 1e-9)
        factor = {k: float((totals[i] / level[i]).mean()) for k, i in idx.items()}
        # Normalise on ordinary weekdays so the trend line means "a normal working day".
        base = float(
            np.mean([factor[k] for k in ("mon", "tue", "wed", "thu", "fri") if k in factor] or [1.0])
        )
        factor = {k: v / base for k, v in factor.items()}
    shape = {}
    for k, i in idx.items():
        days = counts[i]
        sums = days.sum(axis=1, keepdims=True)
        shares = np.divide(days, sums, out=np.zeros_like(days), where=sums > 0)
        weighted = shares[sums[:, 0] > 0]
        shape[k] = weighted.mean(axis=0) if len(weighted) else np.full(SLOTS, 1.0 / SLOTS)
    return Model(start, intercept, slope, factor, shape, dict(overrides))


def _line(t: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    if len(t) < MIN_TREND_DAYS:  # too short for a trend: the mean level
        return float(y.mean()) if len(y) else 0.0, 0.0
    if len(t) < 2:
        return float(y.mean()), 0.0
    slope, intercept = np.polyfit(t, y, 1)
    return float(intercept), float(slope)


def mape(actual: np.ndarray, forecast: np.ndarray, floor: float = 10.0) -> float:
    """Mean absolute percentage error over the half hours with at least `floor` actual calls
    (a night half hour with 1 call instead of 2 is 100 % off and says nothing about staffing)."""
    a = np.asarray(actual, dtype=float).ravel()
    f = np.asarray(forecast, dtype=float).ravel()
    keep = a >= floor
    if not keep.any():
        return 0.0
    return float(np.mean(np.abs(f[keep] - a[keep]) / a[keep]))
