"""Day types for the forecast: the seven weekdays, official holidays (放假) and make-up working days
(调休上班), from `chinese_calendar` with the work-order calendar's local overrides.

A holiday Tuesday does not look like a Tuesday on the phones, and a make-up Sunday looks like a
working day, so both are their own type. Outside the years `chinese_calendar` knows, every day
is its weekday.
"""

from __future__ import annotations

from datetime import date

import chinese_calendar

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOLIDAY = "holiday"
MAKEUP = "makeup"
DAY_TYPES = (*WEEKDAYS, HOLIDAY, MAKEUP)


def day_type(day: date, overrides: dict[date, bool] | None = None) -> str:
    """The day's type; `overrides` (day → working day?) win over the official calendar."""
    weekend = day.weekday() >= 5
    if overrides and day in overrides:
        workday = overrides[day]
    else:
        try:
            workday = bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            return WEEKDAYS[day.weekday()]
    if workday and weekend:
        return MAKEUP
    if not workday and not weekend:
        return HOLIDAY
    if not workday and weekend and _official_holiday(day):
        return HOLIDAY  # a weekend inside a holiday week behaves like the holiday
    return WEEKDAYS[day.weekday()]


def _official_holiday(day: date) -> bool:
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return False
    return bool(on_holiday and name)


def fallback(kind: str) -> tuple[str, ...]:
    """Types to borrow from when the history has no day of `kind` (newest history first)."""
    if kind == HOLIDAY:
        return ("sun", "sat")
    if kind == MAKEUP:
        return ("mon", "tue", "wed", "thu", "fri")
    return ()
