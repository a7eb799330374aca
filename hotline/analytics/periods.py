"""Report periods: a day, an ISO week (Monday first), a month, a year or a custom range of local
dates, with the period they are compared to (环比: the period just before, of the same kind;
同比: the same period a year earlier). Ranges are capped (`MAX_DAYS`, ten years) so a report is
refused with the limit stated, never left to time out. Dates outside `FIRST_DAY`..`LAST_DAY` are
refused too: the compared periods of year 1 or 9999 do not exist in `datetime`."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from hotline.errors import Invalid
from hotline.schemas import FIRST_DAY, LAST_DAY

MAX_DAYS = 3_660


class Kind(StrEnum):
    day = "day"
    week = "week"
    month = "month"
    year = "year"
    custom = "custom"


KIND_ZH = {Kind.day: "日报", Kind.week: "周报", Kind.month: "月报", Kind.year: "年报", Kind.custom: "自定义"}


@dataclass(frozen=True)
class Period:
    kind: Kind
    first: date
    last: date  # inclusive

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """环比: the period just before."""
        if self.kind is Kind.month:
            first = _add_months(self.first, -1)
            return month(first)
        if self.kind is Kind.year:
            return year(self.first.year - 1)
        return Period(self.kind, self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    def last_year(self) -> Period:
        """同比: the same period a year earlier (29 Feb → 28 Feb; a week: the same ISO week)."""
        if self.kind is Kind.week:
            iso = self.first.isocalendar()
            try:
                first = date.fromisocalendar(iso.year - 1, iso.week, 1)
            except ValueError:  # week 53 in a year of 52
                first = date.fromisocalendar(iso.year - 1, 52, 1)
            return Period(Kind.week, first, first + timedelta(days=6))
        if self.kind is Kind.month:
            return month(_add_months(self.first, -12))
        return Period(self.kind, _minus_year(self.first), _minus_year(self.last))


def _minus_year(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:
        return d.replace(year=d.year - 1, day=28)


def _add_months(d: date, n: int) -> date:
    m = d.year * 12 + d.month - 1 + n
    return date(m // 12, m % 12 + 1, 1)


def month(d: date) -> Period:
    first = d.replace(day=1)
    return Period(Kind.month, first, first.replace(day=calendar.monthrange(first.year, first.month)[1]))


def year(y: int) -> Period:
    return Period(Kind.year, date(y, 1, 1), date(y, 12, 31))


def resolve(kind: Kind, on: date | None, start: date | None, end: date | None, today: date) -> Period:
    """The period of `kind` holding `on` (default today), or the custom range start..end."""
    for field, value in (("date", on), ("start", start), ("end", end)):
        if value is not None and not FIRST_DAY <= value <= LAST_DAY:
            raise Invalid(
                f"{field} must be between {FIRST_DAY} and {LAST_DAY}",
                f"日期 ({field}) 须在 {FIRST_DAY} 至 {LAST_DAY} 之间",
                field=field,
            )
    if kind is Kind.custom:
        if start is None:
            raise Invalid("a custom period needs start", "自定义期间需要开始日期 (start)", field="start")
        if end is None:
            raise Invalid("a custom period needs end", "自定义期间需要结束日期 (end)", field="end")
        if end < start:
            raise Invalid("end is before start", "结束日期 (end) 早于开始日期", field="end")
        period = Period(kind, start, end)
        if period.days > MAX_DAYS:
            raise Invalid(
                f"the range is {period.days} days; a report covers at most {MAX_DAYS} days (10 years)",
                f"期间共 {period.days} 天，报表最多覆盖 {MAX_DAYS} 天（10 年），请缩短范围",
                field="end",
                limit_days=MAX_DAYS,
            )
        return period
    if start is not None or end is not None:
        field = "start" if start is not None else "end"
        raise Invalid(
            f"{field} is only for period=custom (use date= for a {kind.value})",
            f"仅自定义期间可指定 {field}，{KIND_ZH[kind]}请用 date",
            field=field,
        )
    d = on or today
    if kind is Kind.day:
        return Period(kind, d, d)
    if kind is Kind.week:
        first = d - timedelta(days=d.weekday())
        return Period(kind, first, first + timedelta(days=6))
    if kind is Kind.month:
        return month(d)
    return year(d.year)
