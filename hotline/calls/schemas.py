"""API shapes for call control, CDRs, the queue log and recordings."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from hotline.schemas import Out, StrictIn

Number = Field(min_length=2, max_length=32, pattern=r"^\+?[0-9*#]+$")


class NotReadyIn(StrictIn):
    reason: str = Field("busy", min_length=1, max_length=64)


# 通话小结 codes for calls that need no work order (the console shows their Chinese labels).
Disposition = Literal[
    "answered_on_call",  # 当场解答
    "info_given",  # 告知政策/办事指引
    "transferred",  # 已转接
    "callback_promised",  # 约定回电
    "wrong_number",  # 打错电话
    "silent",  # 无声电话
    "harassment",  # 骚扰电话
    "other",  # 其他
]


class DispositionIn(StrictIn):
    code: Disposition
    note: str | None = Field(None, max_length=500)
    call_id: str | None = Field(None, max_length=64, description="default: the agent's current or last call")


class WrapUpExtendIn(StrictIn):
    seconds: int = Field(30, ge=5, le=300)


class HoldIn(StrictIn):
    on: bool = True


class TransferIn(StrictIn):
    kind: Literal["queue", "agent", "ivr", "external"]  # ivr: "node" or "flow:node"
    target: str = Field(min_length=1, max_length=64)


class ConsultIn(StrictIn):
    target: str = Number


class DialIn(StrictIn):
    number: str = Number


class PickIn(StrictIn):
    call_id: str = Field(min_length=1, max_length=64)


class CallbackIn(StrictIn):
    call_id: str = Field(min_length=1, max_length=64)
    number: str | None = Number


class SuperviseIn(StrictIn):
    agent_id: int = Field(ge=1, le=2**31 - 1)
    mode: Literal["listen", "whisper", "barge"]


class AgentStateIn(StrictIn):
    state: Literal["ready", "not_ready", "logged_out"]
    reason: str | None = Field(None, max_length=64)


class RecordingPatch(StrictIn):
    tags: list[str] | None = Field(None, max_length=20)
    topic: str | None = Field(None, max_length=100)
    work_order_id: int | None = Field(None, ge=1, le=2**31 - 1)


class MarkIn(StrictIn):
    """A mark an agent or supervisor sets on a live call, at the moment it is received."""

    label: str = Field(min_length=1, max_length=200)


class RetentionIn(StrictIn):
    days: int = Field(ge=1, le=3650)


class LegOut(Out):
    leg_uuid: str
    role: str
    number: str | None
    agent_id: int | None
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    end_cause: str | None


class QueueEventOut(Out):
    id: int
    call_uuid: str
    queue: str
    kind: str
    at: datetime
    agent_id: int | None
    wait_seconds: float | None
    data: dict[str, Any]


class CdrOut(Out):
    id: int
    uuid: str
    direction: str
    state: str
    caller_number: str | None
    callee_number: str | None
    caller_id: int | None
    queue: str | None
    agent_id: int | None
    priority: int
    ivr_flow: str | None
    outcome: str | None
    end_cause: str | None
    started_at: datetime
    queued_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    wait_seconds: float | None
    talk_seconds: float | None
    disposition: str | None = None
    disposition_note: str | None = None


class CdrDetailOut(CdrOut):
    ivr_path: dict[str, Any]
    legs: list[LegOut]
    queue_events: list[QueueEventOut]


class RecordingOut(Out):
    id: int
    call_uuid: str
    agent_id: int | None
    caller_number: str | None
    queue: str | None
    work_order_id: int | None
    tags: dict[str, Any]
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: float | None
    size_bytes: int | None
    complete: bool


class MarkOut(Out):
    id: int
    call_uuid: str
    offset_seconds: float
    kind: str
    label: str | None
    agent_id: int | None
    created_at: datetime
