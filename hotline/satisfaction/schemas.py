"""Input and output shapes of the satisfaction API: a queue's settings, answers, a flag handled."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from hotline.media.prompts import PROMPT_NAME
from hotline.schemas import Out, StrictIn


class QueueSettingsIn(StrictIn):
    announce_agent_number: bool = False
    survey_enabled: bool = False
    scale: Literal[3, 5] = 3
    survey_prompt: str | None = Field(default=None, pattern=f"^{PROMPT_NAME.pattern}$")
    wait_seconds: int = Field(default=8, ge=3, le=30)
    version: int | None = Field(default=None, description="the version edited; None for a new row")


class QueueSettingsOut(Out):
    queue: str
    announce_agent_number: bool = False
    survey_enabled: bool = False
    scale: int = 3
    survey_prompt: str | None = None
    wait_seconds: int = 8
    version: int | None = None  # None: never saved (the defaults)


class AnswerOut(Out):
    id: int
    call_uuid: str
    queue: str | None
    agent_id: int | None
    agent_name: str | None = None
    caller_id: int | None
    work_order_id: int | None
    channel: str
    scale: int
    key: str | None
    score: int | None
    level: str
    level_zh: str
    reason: str | None
    flag: str | None
    flag_note: str | None
    flag_by: str | None
    flag_at: datetime | None
    answered_at: datetime
    version: int


class AcknowledgeIn(StrictIn):
    note: str = Field(min_length=1, max_length=500)
    version: int


class SummaryRow(Out):
    key: str  # the queue name or the agent's id
    label: str | None = None
    surveyed: int
    rated: int
    satisfied: int
    basically_satisfied: int
    dissatisfied: int
    unrated: int
    satisfaction_rate: float | None
