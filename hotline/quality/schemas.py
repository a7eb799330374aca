"""Quality inspection's API shapes (inputs strict, outputs plain)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from hotline.schemas import DbId, Out, StrictIn


class AudioCheckOut(Out):
    recording_id: int
    call_id: str
    agent_id: int | None
    status: str
    error: str | None
    metrics: dict[str, Any]
    segments: dict[str, Any]
    flags: list[str]
    computed_at: datetime


ITEM_KEY = r"^[a-z0-9_]{1,32}$"


class FormItemIn(StrictIn):
    key: str = Field(pattern=ITEM_KEY)
    label: str = Field(min_length=1, max_length=200)
    points: float = Field(ge=0, le=100)
    mode: Literal["weight", "deduction"] = "weight"
    critical: bool = False  # 一票否决: failing it fails the whole call
    hint: str | None = Field(default=None, max_length=500)


class FormSectionIn(StrictIn):
    title: str = Field(min_length=1, max_length=200)
    items: list[FormItemIn] = Field(min_length=1, max_length=50)


class FormIn(StrictIn):
    code: str = Field(pattern=r"^[a-z0-9_-]{1,64}$")
    name: str = Field(min_length=1, max_length=200)
    sections: list[FormSectionIn] = Field(min_length=1, max_length=20)


class FormOut(Out):
    id: int
    code: str
    version: int
    name: str
    status: str
    sections: list[dict[str, Any]]
    max_points: float
    created_at: datetime
    published_at: datetime | None


class AnswerIn(StrictIn):
    awarded: float | None = Field(default=None, ge=0, le=100)  # weight items
    deducted: float | None = Field(default=None, ge=0, le=100)  # deduction items
    failed: bool = False  # critical items
    comment: str | None = Field(default=None, max_length=1000)


class CommentIn(StrictIn):
    at: float = Field(ge=0, le=86400)  # seconds into the recording
    text: str = Field(min_length=1, max_length=1000)
    item: str | None = Field(default=None, pattern=ITEM_KEY)


class ScoreStartIn(StrictIn):
    call_id: str = Field(min_length=1, max_length=64)
    form_id: DbId
    task_id: DbId | None = None
    calibration: bool = False


class ScoreSaveIn(StrictIn):
    version: int
    answers: dict[str, AnswerIn] = Field(default_factory=dict)
    comments: list[CommentIn] = Field(default_factory=list, max_length=200)


class AppealIn(StrictIn):
    version: int
    reason: str = Field(min_length=2, max_length=1000)


class VersionIn(StrictIn):
    version: int


class DecisionIn(StrictIn):
    version: int
    decision: Literal["uphold", "change"]
    note: str = Field(min_length=1, max_length=1000)
    answers: dict[str, AnswerIn] | None = None  # for "change": the supervisor's corrected answers


class AudioState(Out):
    available: bool
    reason: str | None = None
    reason_zh: str | None = None


class ArticleUsed(Out):
    """A knowledge article the agent answered the call with."""

    id: int
    title: str
    at: datetime


class ScoreOut(Out):
    id: int
    call_id: str
    recording_id: int | None
    task_id: int | None
    agent_id: int | None
    inspector_id: int
    form_id: int
    state: str
    state_zh: str
    calibration: bool
    answers: dict[str, Any]
    comments: list[dict[str, Any]]
    total: float | None
    max_points: float
    percent: float | None
    critical_failed: bool
    original_total: float | None
    appeal_reason: str | None
    decision_note: str | None
    decided_by: int | None
    created_at: datetime
    submitted_at: datetime | None
    acknowledged_at: datetime | None
    appealed_at: datetime | None
    decided_at: datetime | None
    version: int
    allowed: list[str]
    audio: AudioState
    work_order_id: int | None = None  # the work order of the call, shown beside the scoring
    form: FormOut | None = None  # with one score: the items it was given against
    articles: list[ArticleUsed] | None = None  # with one score: knowledge used on the call


class CalibrationItem(Out):
    key: str
    label: str
    points: float
    by_inspector: dict[int, float]
    mean: float
    spread: float


class CalibrationOut(Out):
    call_id: str
    form_id: int
    inspectors: list[int]
    items: list[CalibrationItem]
    totals: dict[int, float]
    total_spread: float
    total_stdev: float


class TrendPoint(Out):
    month: str
    average: float


class MissedItem(Out):
    key: str
    label: str
    count: int


class ScorecardOut(Out):
    key: int | None
    name: str
    count: int
    average: float | None
    critical_failed: int
    pass_rate: float | None
    appealed: int
    changed: int
    trend: list[TrendPoint]
    most_missed: list[MissedItem]


class Rules(StrictIn):
    """What a sampling plan picks (each rule adds its calls; `random_per_agent_week` then tops up
    each agent's week with random answered calls)."""

    random_per_agent_week: int = Field(default=0, ge=0, le=100)
    abandon_wait_over: float | None = Field(default=None, ge=0)  # abandoned after waiting > X s
    long_call_over: float | None = Field(default=None, ge=0)  # talk time > N s
    emergency: bool = False
    repeat_within_hours: float | None = Field(default=None, gt=0, le=24 * 30)  # 72: same number again
    auto_flags: list[str] = Field(default_factory=list)  # from the automatic checks (metrics.FLAGS)
    call_flags: list[str] = Field(default_factory=list)  # put by other domains: unsatisfied, complaint


class PlanIn(StrictIn):
    name: str = Field(min_length=1, max_length=200)
    form_code: str | None = Field(default=None, max_length=64)
    rules: Rules
    enabled: bool = True


class PlanOut(Out):
    id: int
    name: str
    form_code: str | None
    rules: dict[str, Any]
    enabled: bool
    created_at: datetime


class RunIn(StrictIn):
    since: datetime
    until: datetime


class TaskOut(Out):
    id: int
    plan_id: int
    call_id: str
    recording_id: int | None
    agent_id: int | None
    reasons: list[str]
    week: str
    state: str
    inspector_id: int | None
    call_started_at: datetime
    created_at: datetime


class FlagIn(StrictIn):
    call_id: str = Field(min_length=1, max_length=64)
    reason: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    source: str | None = Field(default=None, max_length=64)


class RunOut(Out):
    created: int
    tasks: list[TaskOut]
