"""Workforce request and response bodies (the console's and the API's shapes)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from hotline.schemas import DbId, Out, StrictIn


class TargetIn(StrictIn):
    """The service target (defaults: GB/T 33358's 80 % within 15 s, ≥ 95 % answered)."""

    service_level: float = Field(0.80, gt=0, lt=1)
    answer_seconds: float = Field(15.0, gt=0, le=600)
    answered: float = Field(0.95, ge=0, lt=1)
    shrinkage: float = Field(0.30, ge=0, lt=0.9)
    patience: float = Field(120.0, gt=0, le=3600)
    model: Literal["erlang_a", "erlang_c"] = "erlang_a"
    aht: float | None = Field(None, gt=0, le=7200)


class PlanOut(Out):
    first_day: date
    days: int
    aht: float
    forecast: list[float]
    actual: list[int | None]
    required: list[int]
    scheduled: list[int]


class TemplateIn(StrictIn):
    code: str = Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=64)
    start_minute: int = Field(ge=0, lt=1440)
    minutes: int = Field(ge=30, le=960)
    active: bool = True
    version: int | None = None


class TemplateOut(Out):
    id: int
    code: str
    name: str
    start_minute: int
    minutes: int
    active: bool
    version: int


class ProfileIn(StrictIn):
    skills: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=20
    )
    templates: list[Annotated[str, Field(min_length=1, max_length=16)]] | None = None  # None: any
    weekdays_off: list[Annotated[int, Field(ge=0, le=6)]] = Field(default_factory=list, max_length=7)
    planned: bool = True


class ProfileOut(Out):
    """How one agent may be planned: skills, the shift templates they work (None: any), the
    weekdays they are never available (0 = Monday), and whether rosters plan them at all."""

    user_id: int
    name: str
    role: str
    skills: list[str]
    templates: list[str] | None
    weekdays_off: list[int]
    planned: bool


class AgentOut(Out):
    user_id: int
    name: str
    skills: list[str]
    templates: list[str] | None
    days_off: list[date]


LeaveKind = Literal["annual", "sick", "personal", "training", "other"]
Minute = Annotated[int, Field(ge=0, le=1440)]
# Days a plan can name: far-off years have no local midnight in UTC (date arithmetic overflows).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2199, 12, 31)
PlanDay = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]


class LeaveRequestIn(StrictIn):
    """Leave asked for oneself: whole days, or `start_minute`-`end_minute` (local) of one day."""

    first_day: PlanDay
    last_day: PlanDay
    start_minute: Minute | None = None
    end_minute: Minute | None = None
    kind: LeaveKind = "annual"
    note: str = Field("", max_length=200)


class LeaveIn(LeaveRequestIn):
    """Leave a planner enters for an agent (approved at once)."""

    user_id: DbId


class LeaveDecisionIn(StrictIn):
    approve: bool
    note: str = Field("", max_length=200)
    version: int | None = None


class LeaveOut(Out):
    id: int
    user_id: int
    first_day: date
    last_day: date
    start_minute: int | None
    end_minute: int | None
    kind: str
    note: str
    state: str
    requested_by: int | None
    decided_by: int | None
    decided_at: datetime | None
    decision_note: str
    created_at: datetime
    version: int
    clashes: list[int] = []  # planned shifts inside the leave (to move to someone else)


class RosterIn(StrictIn):
    name: str = Field(min_length=1, max_length=100)
    first_day: PlanDay
    days: int = Field(28, ge=1, le=42)
    skill: str | None = Field(None, max_length=64)
    target: TargetIn = Field(default_factory=TargetIn)
    required: list[int] | None = None  # agents to schedule per half hour; default: the plan's
    # Or one requirement per skill (queue or language), planned in one run: skill → per half hour.
    requirements: (
        dict[Annotated[str, Field(min_length=1, max_length=64)], list[Annotated[int, Field(ge=0, le=10_000)]]]
        | None
    ) = Field(None, max_length=12)


class RosterOut(Out):
    id: int
    name: str
    first_day: date
    days: int
    skill: str | None
    state: str
    met_share: float
    shortfall: list[Any]
    created_at: datetime
    published_at: datetime | None
    version: int


class ShiftOut(Out):
    id: int
    roster_id: int
    user_id: int
    day: date
    template: str
    skill: str | None = None
    starts_at: datetime
    ends_at: datetime
    version: int


class RosterDetailOut(Out):
    roster: RosterOut
    required: list[int]
    covered: list[int]
    shifts: list[ShiftOut]
    gaps: list[dict[str, Any]]  # the half hours not covered: start, skill, required, scheduled, missing
    by_skill: dict[str, dict[str, list[int]]] = {}  # per-skill rosters: skill → required, covered
    leaves: list[LeaveOut] = []  # approved leave in the roster's days


class VersionIn(StrictIn):
    version: int | None = None


class ShiftEditIn(StrictIn):
    user_id: DbId
    template: str = Field(min_length=1, max_length=16)
    version: int | None = None


class SwapIn(StrictIn):
    shift_id: DbId
    to_user_id: DbId
    reason: str = Field("", max_length=200)


class SwapDecisionIn(StrictIn):
    approve: bool
    version: int | None = None


class SwapOut(Out):
    id: int
    shift_id: int
    from_user_id: int
    to_user_id: int
    reason: str
    state: str
    decided_by: int | None
    decided_at: datetime | None
    created_at: datetime
    version: int


class DutyIn(StrictIn):
    day: date
    kind: Literal["day", "night", "weekend", "holiday"]
    leader_user_id: DbId | None = None
    leader_name: str = Field(min_length=1, max_length=64)
    phone: str = Field(min_length=3, max_length=32, pattern=r"^[0-9+\- ]+$")
    members: list[str] = Field(default_factory=list, max_length=30)
    note: str = Field("", max_length=200)


class DutyOut(Out):
    id: int
    day: date
    kind: str
    leader_user_id: int | None
    leader_name: str
    phone: str
    members: list[str]
    note: str
    version: int


class HandoverIn(StrictIn):
    shift_label: str = Field(min_length=1, max_length=64)
    notes: str = Field("", max_length=5000)
    system_alerts: list[str] = Field(default_factory=list, max_length=50)


class HandoverNotesIn(StrictIn):
    notes: str = Field(max_length=5000)
    version: int | None = None


class AcknowledgeIn(StrictIn):
    note: str = Field("", max_length=500)
    version: int | None = None


class HandoverOut(Out):
    id: int
    shift_label: str
    state: str
    outgoing_user_id: int | None
    snapshot: dict[str, Any]
    notes: str
    acknowledged_by: int | None
    acknowledged_at: datetime | None
    ack_note: str
    handed_over_at: datetime | None
    created_at: datetime
    version: int


class AdherenceOut(Out):
    user_id: int
    name: str
    scheduled_minutes: float
    working_minutes: float
    not_ready_minutes: float
    away_minutes: float
    adherence: float | None


class LiveAdherenceOut(Out):
    user_id: int
    name: str
    template: str
    starts_at: datetime
    ends_at: datetime
    state: str
    adheres: bool


class WallboardOut(Out):
    duty: list[DutyOut]
    on_shift: list[LiveAdherenceOut]
    open_handover: HandoverOut | None
