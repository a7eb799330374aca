"""When a scheduled report is due and for which period: daily at 08:00 for yesterday, weekly on
Monday at 08:00 for the ISO week just ended, monthly on the 1st at 08:00 for the month just ended,
all in Asia/Shanghai. Pure functions of the clock, so the mailer and its tests share one rule.

Only the latest due period is sent: a server down for a week sends last week's daily report of
yesterday on waking, not seven of them (each older one can be regenerated on demand)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum

from hotline.analytics.daytypes import LOCAL
from hotline.analytics.periods import Kind, Period, month, resolve

SEND_AT = time(8, 0)


class Frequency(StrEnum):
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"


FREQUENCY_ZH = {Frequency.daily: "日报", Frequency.weekly: "周报", Frequency.monthly: "月报"}
KIND = {Frequency.daily: Kind.day, Frequency.weekly: Kind.week, Frequency.monthly: Kind.month}


def _at(d: date) -> datetime:
    return datetime.combine(d, SEND_AT, tzinfo=LOCAL)


def latest_due(frequency: Frequency, now: datetime) -> tuple[Period, datetime]:
    """The most recent period whose report is due at `now`, and when it fell due."""
    local = now.astimezone(LOCAL)
    today = local.date()
    if frequency is Frequency.daily:
        send = today if local.time() >= SEND_AT else today - timedelta(days=1)
        day = send - timedelta(days=1)
        return Period(Kind.day, day, day), _at(send)
    if frequency is Frequency.weekly:
        monday = today - timedelta(days=today.weekday())
        if monday == today and local.time() < SEND_AT:
            monday -= timedelta(days=7)
        return resolve(Kind.week, monday - timedelta(days=7), None, None, today), _at(monday)
    first = today.replace(day=1)
    if first == today and local.time() < SEND_AT:
        first = (first - timedelta(days=1)).replace(day=1)
    return month(first - timedelta(days=1)), _at(first)


def next_due(frequency: Frequency, now: datetime) -> datetime:
    """When the next report of this frequency falls due after `now`."""
    due = latest_due(frequency, now)[1]
    if frequency is Frequency.daily:
        return _at(due.date() + timedelta(days=1))
    if frequency is Frequency.weekly:
        return _at(due.date() + timedelta(days=7))
    return _at((due.date() + timedelta(days=31)).replace(day=1))


def period_of(frequency: Frequency, on: date) -> Period:
    """The period of this frequency holding `on` (a regeneration asks for any past period)."""
    return resolve(KIND[frequency], on, None, None, on)
