"""API shapes for queues, skills and business hours."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field

from hotline.acd.queue import OverflowKind
from hotline.acd.ready import Strategy
from hotline.schemas import Out, StrictIn


class QueueIn(StrictIn):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")
    label: str = Field(min_length=1, max_length=100)
    strategy: Strategy = Strategy.longest_idle
    timeout_seconds: float | None = Field(None, gt=0, le=86400)
    overflow_kind: OverflowKind | None = None
    overflow_target: str | None = Field(None, max_length=64)
    wrap_up_seconds: float = Field(10.0, ge=0, le=3600)
    ring_timeout_seconds: float = Field(15.0, gt=0, le=300)
    max_no_answer: int = Field(2, ge=1, le=20)
    priority_boost_seconds: float = Field(300.0, ge=0, le=86400)
    service_level_seconds: float = Field(15.0, gt=0, le=600)
    hours_id: int | None = None


class QueuePatch(StrictIn):
    version: int
    label: str | None = Field(None, min_length=1, max_length=100)
    strategy: Strategy | None = None
    timeout_seconds: float | None = Field(None, gt=0, le=86400)
    overflow_kind: OverflowKind | None = None
    overflow_target: str | None = Field(None, max_length=64)
    wrap_up_seconds: float | None = Field(None, ge=0, le=3600)
    ring_timeout_seconds: float | None = Field(None, gt=0, le=300)
    max_no_answer: int | None = Field(None, ge=1, le=20)
    priority_boost_seconds: float | None = Field(None, ge=0, le=86400)
    service_level_seconds: float | None = Field(None, gt=0, le=600)
    hours_id: int | None = None


class QueueOut(Out):
    id: int
    name: str
    label: str
    strategy: str
    timeout_seconds: float | None
    overflow_kind: str | None
    overflow_target: str | None
    wrap_up_seconds: float
    ring_timeout_seconds: float
    max_no_answer: int
    priority_boost_seconds: float
    service_level_seconds: float
    hours_id: int | None
    version: int


class SkillIn(StrictIn):
    queue: str = Field(min_length=1, max_length=64)
    level: int = Field(5, ge=1, le=10)


class SkillsIn(StrictIn):
    skills: list[SkillIn] = Field(max_length=50)


class SkillOut(Out):
    queue: str
    level: int


class HoursIn(StrictIn):
    name: str = Field(min_length=1, max_length=64)
    schedule: dict[str, Any]


class HoursPatch(StrictIn):
    version: int
    name: str | None = Field(None, min_length=1, max_length=64)
    schedule: dict[str, Any] | None = None


class HoursPreviewIn(StrictIn):
    """An unsaved schedule to preview (what routing would do if it were saved)."""

    schedule: dict[str, Any]
    start: date | None = None
    days: int = Field(14, ge=1, le=62)


class DayPlanOut(Out):
    date: str
    weekday: int
    kind: str  # workday | holiday
    reason: (
        str  # always_open | closed_date | open_date | official_holiday | makeup_workday | weekday | weekend
    )
    holiday: str | None
    holiday_zh: str | None
    calendar_covers: bool
    windows: list[list[str]]


class HoursCalendarOut(Out):
    open_now: bool
    days: list[DayPlanOut]


class HoursOut(Out):
    id: int
    name: str
    schedule: dict[str, Any]
    version: int
