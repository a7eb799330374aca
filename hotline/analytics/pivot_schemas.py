"""What the report builder's routes take and answer: a pivot's spec (source, dimensions, measures,
filters, period) as saved with a report, the pivot, saved reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from hotline.analytics.periods import Kind
from hotline.schemas import Out, StrictIn

Name = Field(max_length=32)
OptId = Field(None, ge=0, le=2**31 - 1)


class PeriodIn(StrictIn):
    kind: Kind = Kind.month
    date: dt.date | None = None
    start: dt.date | None = None
    end: dt.date | None = None


class FiltersIn(StrictIn):
    queue: str | None = Field(None, max_length=64)
    agent_id: int | None = OptId
    category_id: int | None = OptId
    district: str | None = Field(None, max_length=64)
    department_id: int | None = OptId
    channel: str | None = Field(None, max_length=16)
    state: str | None = Field(None, max_length=16)


class SpecIn(StrictIn):
    rollup: str = Field(max_length=16)
    dimensions: list[str] = Field(max_length=8)
    measures: list[str] = Field(max_length=20)
    filters: FiltersIn = Field(default_factory=FiltersIn)
    period: PeriodIn = Field(default_factory=PeriodIn)


class SavedIn(StrictIn):
    name: str = Field(min_length=1, max_length=100)
    spec: SpecIn
    shared: bool = False


class SavedPatch(StrictIn):
    version: int = Field(ge=1)
    name: str | None = Field(None, min_length=1, max_length=100)
    spec: SpecIn | None = None
    shared: bool | None = None


class SavedOut(Out):
    id: int
    name: str
    spec: dict[str, Any]
    shared: bool
    mine: bool
    owner: str
    version: int
    created_at: str
    updated_at: str


class LabelOut(Out):
    key: str
    zh: str
    en: str
    kind: str | None = None


class PivotRowOut(Out):
    keys: list[str | int | None]
    labels: list[str]
    figures: dict[str, float | int | None]


class PivotOut(Out):
    rollup: str
    period: dict[str, str]
    period_zh: str
    dimensions: list[LabelOut]
    measures: list[LabelOut]
    filters: dict[str, Any]
    rows: list[PivotRowOut]
    totals: dict[str, float | int | None]
    total_rows: int
    truncated: bool
    empty: bool
    note: str | None
    note_zh: str | None


class SourceOut(Out):
    name: str
    zh: str
    dimensions: list[LabelOut]
    measures: list[LabelOut]
    filters: list[str]
    max_dimensions: int
