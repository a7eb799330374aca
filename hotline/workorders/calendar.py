"""Working days on the official Chinese holiday calendar (`chinese_calendar`, which knows statutory
holidays and make-up working weekends), with local overrides from `workorder_calendar_overrides`.

A deadline of N working days is the end (23:59:59 Asia/Shanghai) of the Nth working day after the
start day; N = 0 means the end of the start day itself, even on a holiday (emergencies do not wait
for Monday) — that is the one configured case where a deadline may fall on a non-working day.
Outside the years `chinese_calendar` covers, weekends are the only days off.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.workorders.models import CalendarOverride

LOCAL = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)


class WorkCalendar:
    def __init__(self, overrides: dict[date, bool] | None = None) -> None:
        self.overrides = overrides or {}

    @classmethod
    def load(cls, session: Session) -> WorkCalendar:
        rows = session.execute(select(CalendarOverride.day, CalendarOverride.workday)).all()
        return cls({day: workday for day, workday in rows})

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            return day.weekday() < 5

    def add_workdays(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (0 -> `start` itself)."""
        if days <= 0:
            return start
        day = start
        left = days
        while left:
            day += timedelta(days=1)
            if self.is_workday(day):
                left -= 1
        return day

    def deadline(self, start: datetime, days: int) -> datetime:
        """End of the `days`-th working day after the local date of `start`, as aware UTC."""
        local_day = start.astimezone(LOCAL).date()
        due = self.add_workdays(local_day, days)
        return datetime.combine(due, END_OF_DAY, LOCAL).astimezone(UTC)

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in (start, end]."""
        n = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            n += self.is_workday(day)
        return n
