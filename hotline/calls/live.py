"""The call center's view of a call in progress (the engine holds the SIP/RTP side), and the live
call's state machine as an explicit transition table (`TABLE`, a `hotline.statetable.StateTable`):
a call only moves through `LiveCall.move(action)`, and a move the table does not list is a 409.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, NoReturn

from hotline.calls.telephony import CallPort, LegPort
from hotline.errors import Conflict
from hotline.ivr.interpreter import CallerFacts
from hotline.statetable import StateTable


class CallState(StrEnum):
    ivr = "ivr"  # answered, walking the IVR flow
    queued = "queued"  # waiting in a queue (music, announcements), or a callback owed
    ringing = "ringing"  # offered: agents' phones ring
    connected = "connected"  # with an agent (or a transfer target, a callback's callee)
    emergency = "emergency"  # the emergency fan-out is being rung
    voicemail = "voicemail"  # leaving a message
    diverted = "diverted"  # an emergency mode handles the call itself (callback collection)
    overflow = "overflow"  # out of the queue, being told goodbye
    dialing = "dialing"  # an agent's outbound call: their phone answered, the number rings
    ended = "ended"


class CallAction(StrEnum):
    enqueue = "enqueue"  # into a queue (from the IVR, an emergency, a transfer to a queue)
    offer = "offer"  # the ACD rings agents (again, while a ring is being given back)
    unanswered = "unanswered"  # nobody answered the ring: waiting again
    connect = "connect"  # someone answered: an agent, a transfer target, the dialled number
    to_ivr = "to_ivr"  # an agent sent the caller to an IVR node
    voicemail = "voicemail"
    emergency = "emergency"
    overflow = "overflow"  # let go from the queue with a goodbye
    take_over = "take_over"  # an emergency mode takes the call (hotline.calls.diversion)
    end = "end"  # the engine's call ended


C, M = CallState, CallAction
TRANSITIONS: dict[tuple[CallState, CallAction], CallState] = {
    (C.ivr, M.enqueue): C.queued,
    (C.ivr, M.connect): C.connected,  # the flow transferred to an extension or a number
    (C.ivr, M.voicemail): C.voicemail,
    (C.ivr, M.emergency): C.emergency,
    (C.ivr, M.take_over): C.diverted,
    (C.emergency, M.enqueue): C.queued,  # an agent joins the fan-out three-way
    (C.queued, M.offer): C.ringing,
    (C.queued, M.voicemail): C.voicemail,  # overflow to voicemail
    (C.queued, M.overflow): C.overflow,
    (C.ringing, M.offer): C.ringing,  # offered on before the unanswered ring was seen
    (C.ringing, M.unanswered): C.queued,
    (C.ringing, M.connect): C.connected,
    (C.ringing, M.voicemail): C.voicemail,  # the same, then overflowed
    (C.ringing, M.overflow): C.overflow,
    (C.overflow, M.connect): C.connected,  # an emergency mode's overflow: the backup center answered
    (C.connected, M.enqueue): C.queued,  # blind transfer to a queue
    (C.connected, M.to_ivr): C.ivr,
    (C.connected, M.connect): C.connected,  # blind transfer: the target answered
    (C.dialing, M.connect): C.connected,
    (C.dialing, M.enqueue): C.queued,  # transfers while the dialled number still rings
    (C.dialing, M.to_ivr): C.ivr,
    **{(state, M.end): C.ended for state in CallState if state is not C.ended},
}
TABLE: StateTable[CallState, CallAction] = StateTable("call", TRANSITIONS, what_zh="通话")


class NotDialled:
    """Stands in `LiveCall.call` for a callback restored at start, before it is dialled: it has no
    legs and nothing to hang up; anything that needs the engine's call is refused (409)."""

    id = ""
    legs: Sequence[Any] = ()
    hangup_bridged_peer = True
    end_with_caller = True

    def _refuse(self) -> NoReturn:
        raise Conflict("the callback has not been dialled yet", "回拨尚未拨出")

    def bridge(self, a: Any, b: Any) -> None:
        self._refuse()

    def unbridge(self, leg: Any) -> None:
        self._refuse()

    def record(self, path: Path | None = None, metadata: dict[str, Any] | None = None) -> Path:
        self._refuse()

    def join(self, leg: Any, role: str = "third", mode: str = "full") -> None:
        self._refuse()

    def set_mode(self, leg: Any, mode: str) -> None:
        self._refuse()

    def on_peer_hangup(self, leg: Any, then: Callable[[Any], Coroutine[Any, Any, Any]]) -> None:
        self._refuse()

    async def hangup(self, cause: str = "normal") -> None:
        return None  # nobody is on the line


NOT_DIALLED = NotDialled()


@dataclass
class LiveCall:
    uuid: str  # the engine's call id, also the CDR's uuid
    call: CallPort  # the engine's call (`NOT_DIALLED`: a callback restored at start)
    caller_leg: LegPort | None
    caller_number: str
    facts: CallerFacts
    state: CallState = CallState.ivr  # moved only by `move`
    queue: str | None = None
    priority: int = 0
    agent_id: int | None = None
    agent_leg: LegPort | None = None
    # agent -> what rings them for this call: the offer until its INVITEs are out, then their legs
    ringing: dict[int, Any] = field(default_factory=dict)
    ringing_callback: dict[int, bool] = field(default_factory=dict)  # agent -> offer is a callback
    answering: set[int] = field(default_factory=set)  # agents whose phone was asked to auto-answer
    # An emergency fan-out: number -> ringing | answered | failed | no_answer | answered_elsewhere
    emergency_legs: dict[str, str] = field(default_factory=dict)
    emergency_ack: str | None = None  # the supervisor who acknowledged the alert
    started: float = 0.0  # monotonic start, for how long an alert has been up
    consult_leg: LegPort | None = None  # attended transfer / conference third party
    supervisors: dict[int, LegPort] = field(default_factory=dict)
    supervisor_modes: dict[int, str] = field(default_factory=dict)  # supervisor -> listen|whisper|barge
    ivr_path: list[dict[str, Any]] = field(default_factory=list)  # steps, appended as taken
    ivr_vars: dict[str, str] = field(default_factory=dict)
    outcome: str | None = None
    callback_number: str | None = None
    external_legs: list[LegPort] = field(default_factory=list)
    recording: str | None = None
    queued_at: datetime | None = None
    answered_at: datetime | None = None  # by an agent, a callback's callee or the emergency fan-out
    flow_name: str | None = None
    waiting_room: asyncio.Task[None] | None = None  # announcements and the callback key

    def move(self, action: CallAction) -> CallState:
        """Take `action` (a 409 Conflict if the table does not allow it from the current state)."""
        self.state = TABLE.next(self.state, action)
        return self.state

    def check(self, action: CallAction) -> None:
        """Refuse `action` now (409) if the table does not allow it, before anything is changed."""
        TABLE.next(self.state, action)

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
