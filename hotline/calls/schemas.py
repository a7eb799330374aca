"""API shapes for call control, CDRs, the queue log and recordings."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

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


# --- what the running call center answers (CTI) ----------------------------------------------------
# Typed for the OpenAPI document and the console; a key the center adds later still passes
# (extra="allow"), and the routes leave out what the center did not say (exclude_unset), so these
# describe the answers without changing them.


class LiveOut(BaseModel):
    model_config = ConfigDict(extra="allow")


class AgentViewOut(LiveOut):
    """An agent as the ACD sees them, with the call they are on (the answer of every state change)."""

    agent_id: int
    name: str | None = None
    extension: str | None = None
    state: str = Field(description="logged_out, ready, not_ready, ringing, talking, hold, wrap_up")
    reason: str | None = None
    call_id: str | None = None
    call_number: str | None = Field(None, description="whom the agent talks to (masked without pii.read)")
    call_direction: Literal["inbound", "outbound"] | None = None
    call_queue: str | None = None
    skills: dict[str, int] = Field(default_factory=dict, description="queue name → skill level")
    calls_taken: int = 0
    talk_seconds: float = 0
    misses: int = 0
    wrap_left: float | None = Field(None, description="seconds of wrap-up left")
    phone_registered: bool = False
    since: float | None = Field(None, description="seconds in this state; None: not changed since start")


class ScreenPopOut(LiveOut):
    """The caller as the ringing agent's console shows them (empty when there was no call)."""

    agent_id: int | None = None
    call_id: str | None = None
    caller_number: str | None = None
    queue: str | None = None
    priority: int | None = None
    callback: bool | None = None
    caller: dict[str, Any] | None = None
    repeat: bool | None = None
    open_work_orders: Any = None
    last_calls: list[dict[str, Any]] | None = None


class AgentTodayOut(LiveOut):
    answered: int
    talk_seconds: float
    average_talk_seconds: float | None


class DispositionOut(LiveOut):
    call_id: str
    disposition: str
    disposition_note: str | None


class CallRefOut(LiveOut):
    """The call an action was taken on."""

    call_id: str


class HangupOut(CallRefOut):
    declined: bool | None = Field(None, description="a ringing call was declined (not hung up)")


class TransferTargetOut(LiveOut):
    kind: str
    target: str


class TransferOut(CallRefOut):
    transferred_to: TransferTargetOut


class ConsultOut(CallRefOut):
    consult_leg: str


class ConsultCompleteOut(CallRefOut):
    connected: str = Field(description="the leg the caller is now connected to")


class ConferenceOut(CallRefOut):
    conference: bool


class PickOut(CallRefOut):
    agent_id: int


class CallbackOut(CallRefOut):
    callback: bool


class SuperviseOut(CallRefOut):
    mode: str
    leg_id: str | None = Field(None, description="the supervisor's leg (absent when already on the call)")


class AcknowledgedOut(CallRefOut):
    acknowledged_by: str


class WaitingCallOut(LiveOut):
    call_id: str
    caller: str | None = None
    position: int
    priority: int
    waited: float
    callback: bool
    estimated_wait: float | None = None


class LiveCallOut(LiveOut):
    call_id: str
    caller: str | None = None
    state: str
    queue: str | None = None
    priority: int | None = None
    agent_id: int | None = None
    callback: bool = False
    waited: float | None = Field(None, description="seconds since the caller was queued")


class KpiOut(LiveOut):
    """Live KPIs of one queue or of the center ("*"); definitions in docs/kpi.md."""

    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    timeouts: int
    lost: int
    callbacks: int
    waiting: int
    answer_rate: float | None
    abandon_rate: float | None
    service_level: float | None
    asa: float | None
    aht: float | None
    longest_wait: float
    max_wait: float
    agents: dict[str, int] = Field(default_factory=dict, description="agents per state")
    callbacks_pending: int = 0
    in_ivr: int | None = Field(None, description="callers in the IVR (the center only)")
    label: str | None = None


class EmergencyLegOut(LiveOut):
    number: str | None
    status: str


class EmergencyAlertOut(LiveOut):
    call_id: str
    caller: str | None = None
    caller_name: str | None = None
    legs: list[EmergencyLegOut]
    connected: str | None = None
    ended: bool
    since: float
    age: float
