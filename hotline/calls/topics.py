"""The call center's events: queues, agents, screen pops, emergencies, voicemail, CDRs (docs/events.md).

Most of them reach consoles over `/api/calls/ws` (`hotline/web/live.py` picks who sees which) with
their payload as the message's `data`, so a field renamed here is renamed in the console too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hotline.events import BusEvent, topic


@topic("queue.event_logged")
@dataclass(frozen=True, slots=True, kw_only=True)
class QueueEventLogged(BusEvent):
    """A line of the queue log (`acd.events.QueueEvent`: enter, connect, abandon, callback, ...).

    `details` (priority, by, attempts, number, auto_not_ready...) are flattened into the payload."""

    kind: str
    call_id: str
    queue: str
    agent_id: int | None = None
    wait: float | None = None
    details: dict[str, Any] | None = None

    def payload(self) -> dict[str, Any]:
        data = {"kind": self.kind, "call_id": self.call_id, "queue": self.queue, "agent_id": self.agent_id}
        return {**data, "wait": self.wait, **(self.details or {})}


@topic("queue.position_announced")
@dataclass(frozen=True, slots=True, kw_only=True)
class QueuePositionAnnounced(BusEvent):
    """The waiting room told a caller their place in line and estimated wait (seconds)."""

    call_id: str
    queue: str | None
    position: int
    wait: float


@topic("agent.state_changed")
@dataclass(frozen=True, slots=True, kw_only=True)
class AgentStateChanged(BusEvent):
    """An agent's ACD state changed (ready, not_ready, ringing, talking, hold, wrap_up, logged_out)."""

    agent_id: int
    state: str
    reason: str | None = None
    call_id: str | None = None


@topic("agent.notified")
@dataclass(frozen=True, slots=True, kw_only=True)
class AgentNotified(BusEvent):
    """Why an agent's accepted outbound call did not happen (phone_no_answer, dial_failed, ...)."""

    agent_id: int
    kind: str
    number: str


@topic("agent.screen_popped")
@dataclass(frozen=True, slots=True, kw_only=True)
class AgentScreenPopped(BusEvent):
    """What a ringing agent's console shows about the caller (`calls/screenpop.py`)."""

    agent_id: int
    call_id: str
    caller_number: str | None
    queue: str | None
    priority: int | None
    callback: bool
    caller: dict[str, Any] | None  # the known caller's profile, care profile, emergency contacts
    repeat: bool | int | None
    open_work_orders: Any
    last_calls: list[dict[str, Any]]
    ivr_path: list[Any]
    emergency: bool
    emergency_legs: list[dict[str, Any]]


@topic("survey.requested")
@dataclass(frozen=True, slots=True, kw_only=True)
class SurveyRequested(BusEvent):
    """The IVR handed the caller to a survey."""

    call_id: str
    survey: str
    caller: str | None


@topic("voicemail.started")
@dataclass(frozen=True, slots=True, kw_only=True)
class VoicemailStarted(BusEvent):
    """A caller began leaving a voicemail (recorded to `path`)."""

    call_id: str
    caller: str | None
    caller_id: int | None
    path: str


@topic("voicemail.recorded")
@dataclass(frozen=True, slots=True, kw_only=True)
class VoicemailRecorded(BusEvent):
    """A voicemail is complete (the work-order side turns it into a draft order)."""

    call_id: str
    caller: str | None
    caller_id: int | None
    path: str


@topic("cdr.written")
@dataclass(frozen=True, slots=True, kw_only=True)
class CdrWritten(BusEvent):
    """A call's record was closed in the database (published from the call-record writer's thread)."""

    call_id: str
    outcome: str


@topic("emergency.raised")
@dataclass(frozen=True, slots=True, kw_only=True)
class EmergencyRaised(BusEvent):
    """A caller chose the emergency key: the fan-out (120, family) rings; the board shows an alert."""

    call_id: str
    caller: str | None
    caller_id: int | None
    caller_name: str | None
    numbers: list[str]
    legs: list[dict[str, Any]]  # {"number", "status"} each


@topic("emergency.leg_changed")
@dataclass(frozen=True, slots=True, kw_only=True)
class EmergencyLegChanged(BusEvent):
    """One number of an emergency fan-out changed state (ringing, answered, no_answer, failed...)."""

    call_id: str
    number: str
    status: str
    agent_id: int | None = None


@topic("emergency.connected")
@dataclass(frozen=True, slots=True, kw_only=True)
class EmergencyConnected(BusEvent):
    """The emergency fan-out reached `number`, now talking with the caller."""

    call_id: str
    number: str


@topic("emergency.ended")
@dataclass(frozen=True, slots=True, kw_only=True)
class EmergencyEnded(BusEvent):
    """The emergency call ended (its alert stays on the board until acknowledged)."""

    call_id: str


@topic("emergency.acknowledged")
@dataclass(frozen=True, slots=True, kw_only=True)
class EmergencyAcknowledged(BusEvent):
    """A supervisor acknowledged the emergency alert (it leaves the board)."""

    call_id: str
    by: int | str | None


@topic("calls.database_lost")
@dataclass(frozen=True, slots=True, kw_only=True)
class DatabaseLost(BusEvent):
    """The call-record writer could not reach the database (connection refused or lost, locked,
    read-only): calls go on from memory and their records go to the journal until it is back."""

    error: str
    journal: str  # the journal's folder ("" when the writer has none: memory only)


@topic("calls.database_recovered")
@dataclass(frozen=True, slots=True, kw_only=True)
class DatabaseRecovered(BusEvent):
    """The database took the journal's writes again: all `replayed` of them, in order, after an
    outage of `seconds`; `dropped` writes were lost (the journal and the memory were both full)."""

    seconds: float
    replayed: int
    dropped: int = 0


@topic("calls.journal_filled")
@dataclass(frozen=True, slots=True, kw_only=True)
class JournalFilled(BusEvent):
    """The journal reached its bound (or its disk refused a write): further call records are kept
    in memory only, lost if the process stops before the database is back."""

    journal: str
    size_bytes: int
    error: str
