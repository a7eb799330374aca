"""What the analytics routes answer (figures are dicts of figure name → number or None, named in
docs/analytics.md)."""

from __future__ import annotations

from datetime import date as date_
from typing import Any

from pydantic import Field

from hotline.calls.schemas import CdrOut
from hotline.schemas import DbId, Out, StrictIn

Figures = dict[str, float | int | None]


class PeriodOut(Out):
    kind: str
    first: str
    last: str
    days: int


class RowOut(Out):
    key: str | int | None
    label: str
    figures: Figures
    mom: Figures
    yoy: Figures


class ReportOut(Out):
    rollup: str
    period: PeriodOut
    previous: PeriodOut
    last_year: PeriodOut
    filters: dict[str, Any]
    by: str | None
    empty: bool
    note: str | None
    note_zh: str | None
    totals: Figures
    totals_previous: Figures
    totals_last_year: Figures
    mom: Figures
    yoy: Figures
    rows: list[RowOut]


class DrillCallsOut(Out):
    total: int
    items: list[CdrOut]


class DrillOrderOut(Out):
    id: int
    number: str
    title: str
    created_at: str
    category_id: int | None
    district: str | None
    department_id: int | None
    channel: str
    state: str


class DrillOrdersOut(Out):
    items: list[DrillOrderOut]
    next_after_id: int | None


class RebuildOut(Out):
    lines: int
    days: int
    seconds: float


class StatusOut(Out):
    calls_mark: int
    calls_head: int
    orders_mark: int
    orders_head: int


class HotspotOut(Out):
    id: int
    kind: str
    status: str
    name: str
    terms: list[str]
    category_id: int | None
    district: str | None
    first_day: str
    last_day: str
    orders: int
    baseline: float
    p_value: float
    districts: dict[str, int]
    trend: dict[str, int]
    examples: list[int]
    merged_into_id: int | None


class HotspotRename(StrictIn):
    name: str = Field(min_length=1, max_length=100)


class HotspotMerge(StrictIn):
    into_id: DbId


class RunOut(Out):
    id: int
    schedule_id: int
    period_kind: str
    period_first: str
    period_last: str
    seq: int
    status: str
    attempts: int
    requested_by: int | None
    error: str | None
    sent_at: str | None
    created_at: str


class ScheduleOut(Out):
    id: int
    name: str
    rollup: str
    frequency: str
    by: str | None
    filters: dict[str, Any]
    recipients: list[str]
    formats: list[str]
    active: bool
    version: int
    created_at: str
    last_run: RunOut | None = None
    next_due_at: str | None = None


class RegenerateIn(StrictIn):
    """The period holding `date` (default: the latest one due)."""

    date: date_ | None = Field(None, ge=date_(2000, 1, 1), le=date_(2100, 12, 31))


class RepeatCallOut(CdrOut):
    previous_started_at: str | None = None
    previous_uuid: str | None = None


class RepeatDrillOut(Out):
    total: int
    items: list[RepeatCallOut]


class CitingOrderOut(Out):
    id: int
    number: str
    title: str


class KnowledgeDrillOut(Out):
    total_calls: int
    total_orders: int
    calls: list[CdrOut]
    orders: list[CitingOrderOut]
