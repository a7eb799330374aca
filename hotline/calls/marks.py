"""Time marks on call recordings: the points a listener jumps to (hold, transfer, a supervisor
listening in, a work order opened, a mark an agent set on the live call).

`MarkBook` is the call center's part: it follows the engine's bus events while a call is recorded
and turns them into `recording_marks` rows through the call center's batch writer, so the loop
never waits on the database. An offset is seconds from the start of the recording: the engine
publishes "call.recording_started" the moment its recorder starts, and the recorder places audio by
wall-clock time from that moment, so now − start is the position in the WAV. Marks are keyed by
the call's CDR uuid, because the recording row is indexed only when the call ends.

The service functions below (`add`, `for_recording`) are the database side: a hand-set mark is
written by the API in the request's transaction, with its audit entry.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record, snapshot
from hotline.bus import Bus, Event
from hotline.calls import recordings
from hotline.calls.live import LiveCall
from hotline.calls.models import RecordingMark
from hotline.calls.schemas import MarkOut
from hotline.calls.topics import QueueEventLogged
from hotline.calls.writer import Writer
from hotline.errors import Conflict, NotFound
from hotline.sip.topics import (
    CallEnded,
    CallMixerChanged,
    CallRecordingStarted,
    CallTransferred,
    LegEnded,
    LegHeld,
    LegResumed,
)
from hotline.store.base import utcnow

KINDS = (
    "hold",
    "unhold",
    "transfer",
    "conference",
    "supervisor_listen",
    "supervisor_whisper",
    "supervisor_barge",
    "work_order",
    "agent_mark",
)
# A transfer is seen twice (the ACD's queue event or REFER, then the agent's leg leaving).
SAME_TRANSFER_SECONDS = 2.0
LABEL_MAX = 200


class MarkHost(Protocol):
    """What the mark book needs from the call center."""

    bus: Bus
    live: dict[str, LiveCall]
    writer: Writer


class MarkBook:
    def __init__(self, host: MarkHost, clock: Callable[[], float] = time.monotonic) -> None:
        self.host = host
        self.clock = clock  # the recorder's clock (time.monotonic), not the ACD's
        self._started: dict[str, float] = {}  # engine call id -> when its recording started
        self._transfer_at: dict[str, float] = {}  # engine call id -> offset of the last transfer
        self._modes: dict[tuple[str, str], str] = {}  # (call, supervisor leg) -> current mode

    def subscribe(self) -> list[Callable[[], None]]:
        bus = self.host.bus
        return [
            bus.subscribe(CallRecordingStarted, self._on_recording),
            bus.subscribe(CallEnded, self._on_ended),
            bus.subscribe(LegHeld, self._on_hold),
            bus.subscribe(LegResumed, self._on_hold),
            bus.subscribe(CallMixerChanged, self._on_mixer),
            bus.subscribe(CallTransferred, self._on_transferred),
            bus.subscribe(LegEnded, self._on_hangup),
            bus.subscribe(QueueEventLogged, self._on_queue_event),
            # By topic: the calls domain does not import work orders (they import calls).
            bus.subscribe("workorder.created", self._on_work_order),
        ]

    # --- where a call is in its recording -----------------------------------------------------

    def offset(self, call_id: str) -> float | None:
        """Seconds into the recording of engine call `call_id`, None when it is not recorded."""
        start = self._started.get(call_id)
        return None if start is None else round(max(0.0, self.clock() - start), 3)

    def _live(self, uuid: str) -> LiveCall | None:
        """The call in progress with CDR uuid `uuid` (engine ids key `host.live`)."""
        live = self.host.live.get(uuid)
        if live is not None and live.uuid == uuid:
            return live
        return next((lc for lc in self.host.live.values() if lc.uuid == uuid), None)

    def live_offset(self, uuid: str) -> dict[str, Any]:
        """For a hand-set mark: where the live call `uuid` is in its recording, and its agent."""
        live = self._live(uuid)
        if live is None:
            raise NotFound(f"no call {uuid} in progress", f"没有进行中的通话 {uuid}")
        offset = self.offset(live.call.id)
        if offset is None:
            raise Conflict("the call is not being recorded yet", "通话尚未开始录音")
        return {"call_id": live.uuid, "offset_seconds": offset, "agent_id": live.agent_id}

    def mark(self, call_id: str, kind: str, label: str | None = None, agent_id: int | None = None) -> bool:
        """Queue a mark on engine call `call_id` at the current position; False if not recorded."""
        live = self.host.live.get(call_id)
        offset = self.offset(call_id)
        if live is None or offset is None:
            return False
        row = {
            "call_uuid": live.uuid,
            "offset_seconds": offset,
            "kind": kind,
            "label": label[:LABEL_MAX] if label else None,
            "agent_id": agent_id,
            "created_at": utcnow(),
        }
        self.host.writer.insert(RecordingMark, row)
        return True

    # --- engine events --------------------------------------------------------------------------

    def _on_recording(self, event: Event) -> None:
        self._started.setdefault(str(event.data.get("call_id")), self.clock())

    def _on_ended(self, event: Event) -> None:
        call_id = str(event.data.get("call_id"))
        self._started.pop(call_id, None)
        self._transfer_at.pop(call_id, None)
        for key in [k for k in self._modes if k[0] == call_id]:
            self._modes.pop(key, None)

    def _party(self, live: LiveCall, leg_id: object) -> str | None:
        parties = (("caller", live.caller_leg), ("agent", live.agent_leg), ("third", live.consult_leg))
        for role, leg in parties:
            if leg is not None and leg.id == leg_id:
                return role
        return None

    def _on_hold(self, event: Event) -> None:
        call_id = str(event.data.get("call_id"))
        live = self.host.live.get(call_id)
        if live is not None:
            kind = "hold" if event.topic == LegHeld.TOPIC else "unhold"
            self.mark(call_id, kind, self._party(live, event.data.get("leg_id")), live.agent_id)

    def _on_mixer(self, event: Event) -> None:
        call_id, leg_id = str(event.data.get("call_id")), event.data.get("leg_id")
        live = self.host.live.get(call_id)
        if live is None:
            return
        role, mode = event.data.get("role"), str(event.data.get("mode") or "full")
        supervisor = next((uid for uid, leg in live.supervisors.items() if leg.id == leg_id), None)
        if supervisor is not None and role in ("supervisor", None):
            key = (call_id, str(leg_id))
            if self._modes.get(key) != mode:  # asking again for the same mode is no new moment
                self._modes[key] = mode
                self.mark(call_id, f"supervisor_{mode}", None, supervisor)
        elif role == "third":
            self.mark(call_id, "conference", None, live.agent_id)

    def _transfer(self, call_id: str, label: str | None, agent_id: int | None) -> None:
        offset = self.offset(call_id)
        last = self._transfer_at.get(call_id)
        if offset is None or (last is not None and offset - last < SAME_TRANSFER_SECONDS):
            return
        if self.mark(call_id, "transfer", label, agent_id):
            self._transfer_at[call_id] = offset

    def _on_transferred(self, event: Event) -> None:  # REFER from a phone
        call_id = str(event.data.get("call_id"))
        live = self.host.live.get(call_id)
        if live is not None:
            target = next((leg for leg in live.call.legs if leg.id == event.data.get("to")), None)
            self._transfer(call_id, getattr(target, "dialed", None), live.agent_id)

    def _on_hangup(self, event: Event) -> None:  # the agent's leg leaves a transferred call
        if event.data.get("cause") == "transferred":
            self._transfer(str(event.data.get("call_id")), None, None)

    def _on_queue_event(self, event: Event) -> None:  # a blind transfer back into a queue
        if event.data.get("kind") != "transfer":
            return
        live = self._live(str(event.data.get("call_id")))
        if live is not None:
            agent = event.data.get("from_agent")
            self._transfer(live.call.id, event.data.get("queue"), agent if isinstance(agent, int) else None)

    def _on_work_order(self, event: Event) -> None:
        """A work order opened from calls in progress ("call_ids": CDR uuids in the event)."""
        ids = event.data.get("call_ids") or ([event.data["call_id"]] if event.data.get("call_id") else [])
        number = str(event.data.get("number") or event.data.get("id") or "")
        # Published by a web request's worker thread: the bus delivers it on our loop.
        for uuid in (str(i) for i in ids):
            live = self._live(uuid)
            if live is not None:
                self.mark(live.call.id, "work_order", number, live.agent_id)


# --- the database side ----------------------------------------------------------------------------


def add(
    session: Session,
    actor: Actor,
    call_uuid: str,
    offset_seconds: float,
    kind: str,
    label: str | None,
    agent_id: int | None,
) -> RecordingMark:
    """A mark written in the caller's transaction, audited (hand-set marks)."""
    row = RecordingMark(
        call_uuid=call_uuid,
        offset_seconds=round(max(0.0, offset_seconds), 3),
        kind=kind,
        label=label,
        agent_id=agent_id,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    record(session, actor, "create", "recording_mark", row.id, None, snapshot(row))
    return row


def for_call(session: Session, call_uuid: str) -> list[RecordingMark]:
    stmt = select(RecordingMark).where(RecordingMark.call_uuid == call_uuid)
    return list(session.scalars(stmt.order_by(RecordingMark.offset_seconds, RecordingMark.id)))


def for_recording(session: Session, recording_id: int) -> list[MarkOut]:
    """The marks of a recording in time order; one set as the call ended may lie a packet past
    the audio's last sample, so offsets are held within the recording's duration."""
    rec = recordings.get(session, recording_id)
    out = [MarkOut.model_validate(m) for m in for_call(session, rec.call_uuid)]
    if rec.duration_seconds is not None:
        for m in out:
            m.offset_seconds = min(m.offset_seconds, rec.duration_seconds)
    return out
