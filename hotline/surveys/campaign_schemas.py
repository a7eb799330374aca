"""The IVR campaigns' HTTP shapes: a campaign and its settings, respondents added (with the
validation report of refused rows), the do-not-call list, spoken answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from hotline.schemas import Out, StrictIn


class QuotasIn(StrictIn):
    by: Literal["district", "age_band"]
    targets: dict[
        Annotated[str, Field(min_length=1, max_length=64)], Annotated[int, Field(ge=1, le=1_000_000)]
    ] = Field(min_length=1, max_length=100)


class CampaignIn(StrictIn):
    name: str = Field(min_length=1, max_length=100)
    max_lines: int = Field(10, ge=1, le=200, description="calls at once")
    max_attempts: int = Field(3, ge=1, le=10, description="rings of a busy / unanswered number")
    retry_minutes: int = Field(30, ge=1, le=7 * 24 * 60, description="spacing between those rings")
    ring_seconds: int = Field(30, ge=5, le=120, description="ringing before it counts as no answer")
    caller_number: str = Field("", max_length=32, pattern=r"^[0-9+]*$")
    quotas: QuotasIn | None = Field(None, description="completed interviews wanted per stratum")


class QuotasEditIn(StrictIn):
    version: int = Field(description="the campaign's version the edit was made on (stale: 409)")
    quotas: QuotasIn | None = Field(description="the new quotas; null removes them")


class QuotaOut(Out):
    stratum: str
    target: int
    completed: int


class CampaignProgress(Out):
    total: int
    attempts: int
    counts: dict[str, int]
    response_rate: float | None
    refusal_rate: float | None
    contact_rate: float | None
    completion_rate: float | None
    quotas: list[QuotaOut] = Field(default_factory=list)


class CampaignOut(Out):
    id: int
    survey_id: int
    name: str
    state: str
    state_zh: str
    max_lines: int
    max_attempts: int
    retry_minutes: int
    ring_seconds: int
    caller_number: str
    created_at: datetime
    version: int
    quotas: dict[str, Any] | None = Field(None, description="the quotas as set: by, targets")
    progress: CampaignProgress


class RespondentIn(StrictIn):
    phone: str = Field(min_length=1, max_length=32)
    district: str = Field("", max_length=64)
    age_band: str = Field("", max_length=16)


class RespondentsIn(StrictIn):
    respondents: list[RespondentIn] = Field(min_length=1, max_length=10_000)


class AddedOut(Out):
    added: int
    rejected: list[dict[str, Any]] = Field(description="row, phone (masked), reason, reason_zh")


class DoNotCallIn(StrictIn):
    phone: str = Field(min_length=1, max_length=32)
    reason: str = Field("", max_length=200)


class DoNotCallOut(Out):
    id: int
    phone: str
    reason: str
    created_at: datetime


class VoiceAnswerOut(Out):
    id: int
    response_id: int
    question: str
    seconds: float
    created_at: datetime
