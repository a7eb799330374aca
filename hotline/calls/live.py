"""The call center's view of a call in progress (the engine holds the SIP/RTP side)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hotline.ivr.interpreter import CallerFacts


@dataclass
class LiveCall:
    uuid: str  # the engine's call id, also the CDR's uuid
    call: Any  # the engine's Call
    caller_leg: Any | None
    caller_number: str
    facts: CallerFacts
    # ivr | queued | ringing | connected | emergency | voicemail | overflow (being let go) | ended
    state: str = "ivr"
    queue: str | None = None
    priority: int = 0
    agent_id: int | None = None
    agent_leg: Any | None = None
    # agent -> what rings them for this call: the offer until its INVITEs are out, then their legs
    ringing: dict[int, Any] = field(default_factory=dict)
    ringing_callback: dict[int, bool] = field(default_factory=dict)  # agent -> offer is a callback
    answering: set[int] = field(default_factory=set)  # agents whose phone was asked to auto-answer
    # An emergency fan-out: number -> ringing | answered | failed | no_answer | answered_elsewhere
    emergency_legs: dict[str, str] = field(default_factory=dict)
    emergency_ack: str | None = None  # the supervisor who acknowledged the alert
    started: float = 0.0  # monotonic start, for how long an alert has been up
    consult_leg: Any | None = None  # attended transfer / conference third party
    supervisors: dict[int, Any] = field(default_factory=dict)
    supervisor_modes: dict[int, str] = field(default_factory=dict)  # supervisor -> listen|whisper|barge
    ivr_path: list[dict[str, Any]] = field(default_factory=list)  # steps, appended as taken
    ivr_vars: dict[str, str] = field(default_factory=dict)
    outcome: str | None = None
    callback_number: str | None = None
    external_legs: list[Any] = field(default_factory=list)
    recording: str | None = None
    queued_at: datetime | None = None
    answered_at: datetime | None = None  # by an agent, a callback's callee or the emergency fan-out
    flow_name: str | None = None
    waiting_room: asyncio.Task[None] | None = None  # announcements and the callback key

    def path_record(self) -> dict[str, Any]:
        """The CDR's `ivr_path`: the flow, the steps taken and the variables set."""
        return {"flow": self.flow_name, "steps": list(self.ivr_path), "vars": dict(self.ivr_vars)}

    def summary(self) -> dict[str, Any]:
        return {
            "call_id": self.uuid,
            "caller": self.caller_number,
            "state": self.state,
            "queue": self.queue,
            "priority": self.priority,
            "agent_id": self.agent_id,
            "callback": self.callback_number is not None,
        }
