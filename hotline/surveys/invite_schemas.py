"""The survey invitations' HTTP shapes: recipients given by hand or a sample of callers, the
report of refused rows, and the outbox as the console lists it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, model_validator

from hotline.schemas import Out, StrictIn
from hotline.surveys.schemas import FrameIn


class InviteRecipientIn(StrictIn):
    to: str = Field(min_length=1, max_length=64, description="a mobile number (SMS) or an openid (WeChat)")
    district: str = Field("", max_length=64)
    age_band: str = Field("", max_length=16)


class InvitesIn(StrictIn):
    channel: Literal["sms", "wechat"]
    recipients: list[InviteRecipientIn] = Field(default_factory=list, max_length=5000)
    frame: FrameIn | None = Field(None, description="a sample of callers to text (SMS only)")

    @model_validator(mode="after")
    def _someone(self) -> InvitesIn:
        if not self.recipients and self.frame is None:
            raise ValueError("give recipients or a sample frame")
        if self.frame is not None and self.channel != "sms":
            raise ValueError("a sample of callers is reached by SMS (their numbers)")
        return self


class QueuedOut(Out):
    queued: int
    refused: list[dict[str, Any]] = Field(description="row, to (masked), reason, reason_zh")


class InviteOut(Out):
    id: int
    channel: str
    to: str
    status: str
    status_zh: str
    attempts: int
    error: str
    created_at: datetime
    sent_at: datetime | None
