"""The questionnaires' HTTP shapes: what the designer sends and reads, links, the respondent's
page saves, results."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, model_validator

from hotline.schemas import Day, DbId, Out, StrictIn
from hotline.surveys.campaign_schemas import QuotaOut, QuotasIn

Json = dict[str, Any]


class SurveyIn(StrictIn):
    definition: Json = Field(description="the questionnaire (see hotline/surveys/definition.py)")


class SurveyEdit(SurveyIn):
    version: int = Field(ge=1)


class VersionIn(StrictIn):
    version: int = Field(ge=1)


class SurveySummary(Out):
    id: int
    title: str
    state: str
    state_zh: str
    published_number: int | None
    draft_changed: bool
    completed: int = 0
    version: int
    updated_at: datetime


class VersionSummary(Out):
    number: int
    author: str
    created_at: datetime
    completed: int


class SurveyOut(SurveySummary):
    draft: Json
    versions: list[VersionSummary] = []


class VersionOut(Out):
    survey_id: int
    number: int
    definition: Json
    author: str
    created_at: datetime


class TokenRespondent(StrictIn):
    label: str = Field("", max_length=100)
    district: str = Field("", max_length=64)
    age_band: str = Field("", max_length=16)
    channel: str = Field("web", pattern=r"^(web|sms|wechat)$")


class TokensIn(StrictIn):
    respondents: list[TokenRespondent] = Field(min_length=1, max_length=5000)


class TokenOut(Out):
    link_id: int
    token: str
    url: str
    label: str


class OpenLinkIn(StrictIn):
    device_limit: int = Field(1, ge=1, le=100)
    channel: str = Field("web", pattern=r"^(web|sms|wechat)$")
    label: str = Field("", max_length=100)


class LinkOut(Out):
    id: int
    kind: str
    label: str
    device_limit: int
    channel: str
    created_at: datetime


class LinksOut(Out):
    open_links: list[LinkOut]
    tokens: dict[str, int]


class OpenLinkOut(LinkOut):
    token: str
    url: str


# --- answering -----------------------------------------------------------------------------------


class StartIn(StrictIn):
    resume_key: str | None = Field(None, max_length=64)


class StartOut(Out):
    resume_key: str
    resumed: bool
    version: int
    page: int
    answers: Json
    survey: Json


class PageIn(StrictIn):
    resume_key: str = Field(min_length=8, max_length=64)
    page: int = Field(ge=0, le=100)
    answers: Json = Field(default_factory=dict)


class PageOut(Out):
    next_page: int | None
    done: bool


class SubmitIn(StrictIn):
    resume_key: str = Field(min_length=8, max_length=64)


class SubmitOut(Out):
    completed: bool
    completed_at: datetime | None


# --- results -------------------------------------------------------------------------------------


class TalliesOut(Out):
    completed: int
    version: int
    questions: list[Json]


class CrossTabOut(Out):
    question: str
    by: str
    by_zh: str
    columns: list[Json]
    rows: list[Json]


class WordOut(Out):
    word: str
    count: int


class TextOut(Out):
    response_id: int
    text: str
    completed_at: datetime
    district: str
    channel: str


class ImportOut(Out):
    survey: SurveyOut
    warnings: list[str]


# --- phone interviews (CATI) ---------------------------------------------------------------------


_CALLER_ONLY = ("min_age", "max_age", "living_alone", "assistance_status", "care_only")
_ORDER_ONLY = ("closed_from", "closed_to", "category_id", "department_id")


class FrameIn(StrictIn):
    """A sample frame: callers by district, age and care profile (`source` callers), or the people
    whose work orders were closed in a period, for a return-visit survey (`source` closed_orders,
    by closing date, category, district, department). A filter of the other source is a 422."""

    source: Literal["callers", "closed_orders"] = "callers"
    district: str | None = Field(None, max_length=64)
    min_age: int | None = Field(None, ge=0, le=150)
    max_age: int | None = Field(None, ge=0, le=150)
    living_alone: bool | None = None
    assistance_status: str | None = Field(None, max_length=64)
    care_only: bool = False
    closed_from: Day | None = Field(None, description="closed on or after this local day")
    closed_to: Day | None = Field(None, description="closed on or before this local day")
    category_id: DbId | None = Field(None, description="the category and those under it")
    department_id: DbId | None = None
    limit: int = Field(500, ge=1, le=20_000)

    @model_validator(mode="after")
    def _one_source(self) -> FrameIn:
        other = _ORDER_ONLY if self.source == "callers" else _CALLER_ONLY
        for name in other:
            if name in self.model_fields_set and getattr(self, name) not in (None, False):
                raise ValueError(f"{name} does not filter a sample of {self.source.replace('_', ' ')}")
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValueError("min_age is above max_age")
        if self.closed_from and self.closed_to and self.closed_from > self.closed_to:
            raise ValueError("closed_from is after closed_to")
        return self


class FrameOut(Out):
    added: int


class InterviewOut(Out):
    id: int
    survey_id: int
    caller_id: int | None
    phone: str
    district: str
    age_band: str
    state: str
    state_zh: str
    attempts: int
    callback_at: datetime | None
    call_id: str | None = Field(None, description="the call placed for this attempt (CDR uuid)")
    work_order_id: int | None = Field(None, description="the closed work order it was sampled from")


class CallBindIn(StrictIn):
    call_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")


class AnswerIn(StrictIn):
    resume_key: str = Field(min_length=8, max_length=64)
    question: str = Field(min_length=1, max_length=32)
    value: Any = Field(None, description="the answer as on the web page (null: left empty)")


class AnswerOut(Out):
    answers: Json
    next_question: str | None = Field(description="the next question the respondent sees (null: submit)")


class DeskSurvey(Out):
    survey_id: int
    title: str
    pending: int


class DeskOut(Out):
    surveys: list[DeskSurvey]
    held: list[InterviewOut] = Field(description="this agent's interviews in progress")


class OutcomeIn(StrictIn):
    outcome: str = Field(pattern=r"^(refuse|no_answer|busy|wrong_number|callback|release)$")
    callback_at: datetime | None = None
    note: str = Field("", max_length=200)


class ProgressOut(Out):
    total: int
    counts: dict[str, int]
    response_rate: float | None
    refusal_rate: float | None
    contact_rate: float | None
    completion_rate: float | None = None
    quotas: list[QuotaOut] = Field(default_factory=list, description="per stratum with a target")


class CatiQuotasIn(StrictIn):
    version: int = Field(ge=1, description="the version read (1 before any quota was set)")
    quotas: QuotasIn | None = Field(description="the new quotas; null removes them")


class CatiQuotasOut(Out):
    survey_id: int
    version: int
    quotas: dict[str, Any] | None = Field(None, description="the quotas as set: by, targets")
