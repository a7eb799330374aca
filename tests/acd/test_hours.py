"""Business hours on the official holiday calendar (a table of local times)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hotline.acd.hours import DEFAULT_SCHEDULE, is_open, validate_schedule
from hotline.errors import Invalid

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ("2026-11-25 10:00", True),  # Wednesday, workday window 08-20
        ("2026-11-25 07:59", False),
        ("2026-11-25 20:00", False),
        ("2026-11-28 10:00", True),  # Saturday: holiday window 09-17
        ("2026-11-28 08:30", False),
        ("2026-10-01 18:00", False),  # National Day: holiday window
        ("2026-10-01 12:00", True),
        ("2026-10-10 19:00", True),  # make-up working Saturday (workday window)
    ],
)
def test_default_schedule(local: str, expected: bool) -> None:
    at = datetime.fromisoformat(local).replace(tzinfo=SH)
    assert is_open(DEFAULT_SCHEDULE, at) is expected


def test_overrides_and_always_open() -> None:
    at = datetime(2026, 11, 25, 10, tzinfo=SH)
    assert not is_open({**DEFAULT_SCHEDULE, "closed_dates": ["2026-11-25"]}, at)
    assert is_open({"always_open": True}, at)
    late = datetime(2030, 1, 7, 10, tzinfo=SH)  # beyond the calendar's data: Monday is a workday
    assert is_open(DEFAULT_SCHEDULE, late)


@pytest.mark.parametrize(
    "bad",
    [{"timezone": "Mars/Olympus"}, {"windows": {"workday": [["18:00", "08:00"]]}}, {"closed_dates": ["x"]}],
)
def test_invalid_schedules(bad: dict[str, object]) -> None:
    with pytest.raises(Invalid):
        validate_schedule(bad)


@pytest.mark.parametrize(
    ("day", "kind", "reason", "holiday_zh", "windows"),
    [
        ("2026-11-25", "workday", "weekday", None, [["08:00", "20:00"]]),
        ("2026-11-28", "holiday", "weekend", None, [["09:00", "17:00"]]),
        ("2026-10-01", "holiday", "official_holiday", "国庆节", [["09:00", "17:00"]]),
        ("2026-10-10", "workday", "makeup_workday", "国庆节", [["08:00", "20:00"]]),  # 调休
        ("2026-12-31", "holiday", "closed_date", None, []),
        ("2026-12-26", "workday", "open_date", None, [["08:00", "20:00"]]),
    ],
)
def test_day_plan_explains_each_date(
    day: str, kind: str, reason: str, holiday_zh: str | None, windows: list[list[str]]
) -> None:
    from datetime import date

    from hotline.acd.hours import day_plan

    schedule = {**DEFAULT_SCHEDULE, "closed_dates": ["2026-12-31"], "open_dates": ["2026-12-26"]}
    plan = day_plan(schedule, date.fromisoformat(day))
    assert (plan["kind"], plan["reason"], plan["holiday_zh"], plan["windows"]) == (
        kind,
        reason,
        holiday_zh,
        windows,
    )
    assert plan["calendar_covers"] is True


def test_day_plan_beyond_the_calendar_says_so() -> None:
    from datetime import date

    from hotline.acd.hours import day_plan

    plan = day_plan(DEFAULT_SCHEDULE, date(2027, 1, 1))  # chinese_calendar has no 2027 data yet
    assert plan["calendar_covers"] is False and plan["reason"] == "weekday" and plan["kind"] == "workday"
