"""What the emergency-mode API reads and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, model_validator

from hotline.schemas import Out, StrictIn

Kind = Literal["announcement", "overflow", "callback_only", "remote_duty"]
# The fault types of docs/operations.md, each with its checklist.
Reason = Literal[
    "trunk_down",
    "engine_down",
    "database_down",
    "disk_full",
    "agents_unavailable",
    "surge",
    "notice",
    "drill",
]


class ModeIn(StrictIn):
    kind: Kind
    reason: Reason
    minutes: int = Field(ge=1, le=7 * 24 * 60)  # on for this long from now
    note: str = Field("", max_length=500)
    text: str | None = Field(None, max_length=500)  # announcement: spoken by TTS...
    prompt: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")  # ...or an uploaded prompt
    backup_number: str | None = Field(None, pattern=r"^\+?[0-9]{3,20}$")
    overflow_after_seconds: int = Field(60, ge=0, le=3600)
    when_no_agent: bool = True

    @model_validator(mode="after")
    def _complete(self) -> ModeIn:
        if self.kind == "announcement" and not (self.text or self.prompt):
            raise ValueError("an announcement needs text or a prompt")
        if self.kind == "overflow" and not self.backup_number:
            raise ValueError("overflow needs the backup center's number")
        return self


class ModeEnd(StrictIn):
    version: int


class ModeOut(Out):
    id: int
    kind: str
    reason: str
    note: str
    text: str | None
    prompt: str | None
    backup_number: str | None
    overflow_after_seconds: int
    when_no_agent: bool
    starts_at: datetime
    ends_at: datetime
    ended_at: datetime | None
    created_by: int | None
    ended_by: int | None
    version: int
    active: bool = False


class CallbackMove(StrictIn):
    action: Literal["done", "unreachable", "reopen"]
    version: int
    note: str = Field("", max_length=500)


class CallbackOut(Out):
    id: int
    mode_id: int | None
    call_uuid: str
    caller_number: str
    callback_number: str
    status: str
    note: str
    collected_at: datetime
    handled_by: int | None
    handled_at: datetime | None
    version: int


class AlertOut(Out):
    id: int
    kind: str
    key: str
    text: str
    status: str
    repeats: int
    raised_at: datetime
    last_seen_at: datetime
    sent_at: datetime | None
    escalated_at: datetime | None
    resolved_at: datetime | None
    acknowledged_by: int | None
    acknowledged_at: datetime | None
    version: int


class AlertAck(StrictIn):
    version: int
