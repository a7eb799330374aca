"""Business hours: weekly windows in local time, on the official holiday calendar.

A schedule is JSON: `{"timezone": "Asia/Shanghai", "always_open": false, "use_holiday_calendar":
true, "windows": {"workday": [["08:00", "20:00"]], "holiday": [["09:00", "17:00"]]},
"closed_dates": ["2026-12-31"], "open_dates": []}`. With the holiday calendar a date is a workday
or a holiday by the `chinese_calendar` package (official holidays and make-up working days); for
years it does not cover, or without it, Monday-Friday are workdays.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar

from hotline.errors import Invalid

DEFAULT_SCHEDULE: dict[str, Any] = {
    "timezone": "Asia/Shanghai",
    "always_open": False,
    "use_holiday_calendar": True,
    "windows": {"workday": [["08:00", "20:00"]], "holiday": [["09:00", "17:00"]]},
    "closed_dates": [],
    "open_dates": [],
}


def is_workday(day: date, use_calendar: bool = True) -> bool:
    if use_calendar:
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            pass
    return day.weekday() < 5


def is_holiday(day: date) -> bool:
    return not is_workday(day, True)


def _parse(hhmm: str) -> time:
    hour, minute = hhmm.split(":")
    return time(int(hour), int(minute))


def validate_schedule(schedule: dict[str, Any]) -> dict[str, Any]:
    """Check a schedule's shape; return it with defaults filled in."""
    out = {**DEFAULT_SCHEDULE, **schedule}
    try:
        ZoneInfo(str(out["timezone"]))
        for kind, windows in dict(out["windows"]).items():
            if kind not in ("workday", "holiday"):
                raise ValueError(kind)
            for start, end in windows:
                if _parse(start) >= _parse(end):
                    raise ValueError(f"{start}-{end}")
        for d in list(out["closed_dates"]) + list(out["open_dates"]):
            date.fromisoformat(d)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise Invalid(f"business hours are not valid: {exc}", f"营业时间格式无效：{exc}") from exc
    return out


def is_open(schedule: dict[str, Any], at: datetime) -> bool:
    s = {**DEFAULT_SCHEDULE, **schedule}
    if s.get("always_open"):
        return True
    local = at.astimezone(ZoneInfo(str(s["timezone"])))
    day = local.date().isoformat()
    if day in s["closed_dates"]:
        return False
    workday = day in s["open_dates"] or is_workday(local.date(), bool(s["use_holiday_calendar"]))
    windows = s["windows"].get("workday" if workday else "holiday", [])
    now = local.time()
    return any(_parse(start) <= now < _parse(end) for start, end in windows)


HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def day_plan(schedule: dict[str, Any], day: date) -> dict[str, Any]:
    """How one date is treated: workday or holiday, why, under which official holiday, and the
    opening windows that apply (none when closed all day)."""
    s = {**DEFAULT_SCHEDULE, **schedule}
    iso = day.isoformat()
    name: str | None = None
    covered = True
    if s.get("use_holiday_calendar"):
        try:
            _, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            covered = False
    if s.get("always_open"):
        kind, reason, windows = "workday", "always_open", [["00:00", "24:00"]]
    elif iso in s["closed_dates"]:
        kind, reason, windows = "holiday", "closed_date", []
    else:
        workday = iso in s["open_dates"] or is_workday(day, bool(s["use_holiday_calendar"]))
        kind = "workday" if workday else "holiday"
        if iso in s["open_dates"]:
            reason = "open_date"
        elif s.get("use_holiday_calendar") and covered and name:
            reason = "makeup_workday" if workday else "official_holiday"
        else:
            reason = "weekday" if day.weekday() < 5 else "weekend"
        windows = [list(w) for w in s["windows"].get(kind, [])]
    return {
        "date": iso,
        "weekday": day.weekday(),
        "kind": kind,
        "reason": reason,
        "holiday": name,
        "holiday_zh": HOLIDAY_NAMES_ZH.get(name or "", name),
        "calendar_covers": covered,
        "windows": windows,
    }
