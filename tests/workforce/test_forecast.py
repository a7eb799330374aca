"""Forecast of calls per half hour: day types (holidays, make-up days), the known pattern found
again, MAPE on a held-back month (issue 15: < 10 %)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from hotline.workforce.daytypes import day_type
from hotline.workforce.forecast import SLOTS, fit, mape
from hotline.workforce.synthetic import TRUE_FACTOR, synthetic

START = date(2024, 1, 1)


def test_day_types_follow_the_official_calendar() -> None:
    assert day_type(date(2025, 10, 1)) == "holiday"  # National Day, a Wednesday
    assert day_type(date(2025, 10, 4)) == "holiday"  # Saturday inside the holiday week
    assert day_type(date(2025, 9, 28)) == "makeup"  # Sunday worked for the holiday
    assert day_type(date(2025, 12, 3)) == "wed"
    assert day_type(date(2025, 12, 6)) == "sat"
    # Local overrides (the work-order calendar's) win.
    assert day_type(date(2025, 12, 3), {date(2025, 12, 3): False}) == "holiday"
    assert day_type(date(2100, 1, 4)) == "mon"  # outside the known years: the weekday


def test_exact_pattern_is_found_again() -> None:
    history = synthetic(START, 640, seed=None)
    model = fit(START, history[:-28])
    assert model.factor["holiday"] == pytest.approx(
        TRUE_FACTOR["holiday"] / np.mean([TRUE_FACTOR[d] for d in ("mon", "tue", "wed", "thu", "fri")]),
        rel=1e-6,
    )
    forecast = model.days(START + timedelta(days=612), 28)
    assert mape(history[-28:], forecast) < 1e-6


@pytest.mark.parametrize(
    ("month", "days"),
    [(date(2025, 10, 1), 31), (date(2025, 12, 1), 31)],  # with National Day, and an ordinary month
)
def test_held_back_month_mape_below_ten_percent(month: date, days: int) -> None:
    history = synthetic(START, (month - START).days + days, seed=11)
    cut = (month - START).days
    model = fit(START, history[:cut])
    forecast = model.days(month, days)
    actual = history[cut:]
    error = mape(actual, forecast, floor=20)
    assert error < 0.10
    # Within half a point of the best any forecast can do against Poisson noise (the true mean).
    truth = synthetic(START, len(history), seed=None)[cut:]
    assert error < mape(actual, truth, floor=20) + 0.005
    assert mape(actual.sum(axis=1), forecast.sum(axis=1)) < 0.03  # daily totals


def test_holidays_as_their_own_type_beat_plain_weekdays() -> None:
    history = synthetic(START, 670, seed=3)
    cut = (date(2025, 10, 1) - START).days
    with_types = fit(START, history[:cut]).days(date(2025, 10, 1), 8)
    # The same fit with every day its weekday (holidays not known): the holiday week is missed.
    ordinary = {START + timedelta(days=i): (START + timedelta(days=i)).weekday() < 5 for i in range(cut + 8)}
    plain = fit(START, history[:cut], overrides=ordinary).days(date(2025, 10, 1), 8)
    actual = history[cut : cut + 8]
    truth = synthetic(START, 670, seed=None)[cut : cut + 8]
    best = mape(actual, truth, floor=20)  # Poisson noise alone, on the quiet holiday volumes
    assert mape(actual, with_types, floor=20) < best + 0.01
    assert mape(actual, plain, floor=20) > 3 * best


def test_trend_is_followed() -> None:
    history = synthetic(START, 400, growth=0.002, seed=None)
    model = fit(START, history)
    assert model.slope == pytest.approx(3000 * 0.002, rel=0.01)


def test_bad_history_is_refused() -> None:
    with pytest.raises(ValueError):
        fit(START, np.zeros((3, 24)))
    assert fit(START, np.zeros((3, SLOTS))).day(START + timedelta(days=5)).sum() == 0
