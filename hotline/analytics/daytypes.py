"""Day types for comparisons: a statutory holiday (节假日), a make-up working weekend (调休上班),
an ordinary weekend and an ordinary workday, from `chinese_calendar` (2004–its last year; outside
it, Saturdays and Sundays are the weekend). Local (Asia/Shanghai) dates and half-hour slots of UTC
instants live here too, so every rollup buckets the same way."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import chinese_calendar

LOCAL = ZoneInfo("Asia/Shanghai")


class DayType(StrEnum):
    workday = "workday"
    weekend = "weekend"
    holiday = "holiday"
    makeup = "makeup"


DAY_TYPE_ZH = {
    DayType.workday: "工作日",
    DayType.weekend: "周末",
    DayType.holiday: "节假日",
    DayType.makeup: "调休上班",
}


def day_type(day: date) -> DayType:
    try:
        workday = bool(chinese_calendar.is_workday(day))
        _, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return DayType.workday if day.weekday() < 5 else DayType.weekend
    if not workday:
        return DayType.holiday if name else DayType.weekend
    return DayType.makeup if day.weekday() >= 5 else DayType.workday


def local_slot(at: datetime) -> tuple[date, int]:
    """The local date and half hour (0..47) of an aware instant."""
    local = at.astimezone(LOCAL)
    return local.date(), local.hour * 2 + local.minute // 30


def day_start(day: date) -> datetime:
    """Local midnight that begins `day`, as aware UTC."""
    return datetime.combine(day, time(0), LOCAL).astimezone(UTC)


def day_range(first: date, last: date) -> tuple[datetime, datetime]:
    """[start of `first`, start of the day after `last`) in UTC."""
    return day_start(first), day_start(last + timedelta(days=1))
