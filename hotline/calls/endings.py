"""What the engine's events do to a call in progress: a leg answered or hung up, the call ended.

A part of `CallCenter` (`center.endings`). A caller hanging up while waiting is an abandon (the
wait goes in the CDR), in the IVR an IVR abandon, in a call the end of the agent's talk; the agent
hanging up ends the talk and, when supervisors only listened, the caller's call too; a supervisor
who had taken the call over hanging up last ends it. When the engine's call ends the CDR is closed
(outcome, cause, IVR path, recording indexed), then the CALL_ENDED hooks run and, for a voicemail,
the finished message is announced ("voicemail.recorded").
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session

from hotline.acd.engine import Acd
from hotline.bus import Bus, Event, publish_on_commit
from hotline.calls import cdr
from hotline.calls.hooks import CallHookPoint, CallHooks
from hotline.calls.host import CenterPort
from hotline.calls.live import CallAction, CallState, LiveCall
from hotline.calls.ops import Op, durable
from hotline.calls.topics import CdrWritten, VoicemailRecorded
from hotline.calls.writer import Writer
from hotline.errors import HotlineError
from hotline.sip.topics import CallEnded, LegAnswered, LegEnded
from hotline.store.base import utcnow

log = logging.getLogger(__name__)


@durable("calls.cdr_written")
def cdr_written(session: Session, call_id: str, outcome: str) -> None:
    """`cdr.written` once the batch holding the call's closed record commits."""
    publish_on_commit(session, CdrWritten(call_id=call_id, outcome=outcome))


class Endings:
    def __init__(self, center: CenterPort) -> None:
        self.center = center
        self.bus: Bus = center.bus
        self.acd: Acd = center.acd
        self.live: dict[str, LiveCall] = center.live
        self.clock: Callable[[], float] = center.clock
        self.writer: Writer = center.writer
        self.hooks: CallHooks = center.hooks

    def subscribe(self) -> list[Callable[[], None]]:
        return [
            self.bus.subscribe(LegEnded, self.on_leg_hangup),
            self.bus.subscribe(LegAnswered, self.on_leg_answered),
            self.bus.subscribe(CallEnded, self.on_call_ended),
        ]

    def on_leg_answered(self, event: Event) -> None:
        if str(event.data.get("call_id")) in self.live:
            leg_id, at = str(event.data.get("leg_id")), utcnow()
            self.writer.submit(Op.of(cdr.leg_update, leg_uuid=leg_id, answered_at=at))

    def on_leg_hangup(self, event: Event) -> None:
        live = self.live.get(str(event.data.get("call_id")))
        if live is None:
            return
        leg_id = event.data.get("leg_id")
        at, cause = utcnow(), str(event.data.get("cause") or "")
        self.writer.submit(Op.of(cdr.leg_update, leg_uuid=str(leg_id), ended_at=at, end_cause=cause))
        now = self.clock()
        try:
            if live.caller_leg is not None and leg_id == live.caller_leg.id:
                if live.state in (CallState.queued, CallState.ringing) and live.callback_number is None:
                    self.acd.abandon(live.uuid, now)
                    if live.outcome != "emergency":  # an emergency is answered by the fan-out
                        live.outcome = "abandoned"
                        self.center.waiting.record_wait(live, at)
                elif live.state is CallState.connected:
                    self.center.apply(self.acd.hangup(live.uuid, now))
                elif live.state is CallState.ivr and live.outcome != "ivr_hangup":
                    # A flow that ended with its own hang-up node let the caller go: that is not an
                    # abandon, and the outcome the router set stays.
                    live.outcome = "abandoned_ivr"
            elif (
                live.agent_leg is not None
                and leg_id == live.agent_leg.id
                and live.state is CallState.connected
            ):
                self.center.apply(self.acd.hangup(live.uuid, now))
                self._agent_left(live)
            elif any(leg.id == leg_id for leg in live.supervisors.values()):
                self._supervisor_left(live)
        except HotlineError:
            log.info("hangup on call %s after the ACD let it go", live.uuid)

    def _agent_left(self, live: LiveCall) -> None:
        """The agent hung up a call others were joined to. Supervisors who only listened or
        whispered leave with the agent and the caller's call ends, as it would have without them; a
        supervisor who barged in has taken the call over, and a conference's third party keeps
        talking with the caller."""
        supervisors = [(sid, leg) for sid, leg in live.supervisors.items() if leg.is_active]
        if not supervisors:
            return
        taken_over = any(live.supervisor_modes.get(sid) == "barge" for sid, _ in supervisors)
        if taken_over or (live.consult_leg is not None and live.consult_leg.is_active):
            return
        for _, leg in supervisors:
            self.center.spawn(leg.hangup("agent_hangup"))
        if live.caller_leg is not None and live.caller_leg.is_active:
            self.center.spawn(live.caller_leg.hangup("peer_hangup"))

    def _supervisor_left(self, live: LiveCall) -> None:
        """A supervisor who had taken the call over (barge, then the agent left) hung up: nobody
        is left to talk to the caller, so the caller's call ends too."""
        agent_gone = live.agent_leg is None or not live.agent_leg.is_active
        others = [leg for leg in live.supervisors.values() if leg.is_active]
        third = live.consult_leg is not None and live.consult_leg.is_active
        if (
            agent_gone
            and not others
            and not third
            and live.caller_leg is not None
            and live.caller_leg.is_active
        ):
            self.center.spawn(live.caller_leg.hangup("peer_hangup"))

    def on_call_ended(self, event: Event) -> None:
        uuid = str(event.data.get("call_id"))
        live = self.live.get(uuid)
        if live is None or (
            live.callback_number is not None and live.state in (CallState.queued, CallState.ringing)
        ):
            return  # a callback waiting in the queue outlives the caller's first call
        self.live.pop(uuid, None)
        self.live.pop(live.uuid, None)
        uuid = live.uuid  # a callback rides on a new engine call but keeps its CDR
        live.move(CallAction.end)
        recording = event.data.get("recording")
        outcome, cause = live.outcome or "ended", str(event.data.get("cause") or "normal")
        fields = {"call_uuid": uuid, "agent_id": live.agent_id, "caller_number": live.caller_number}
        fields["queue"] = live.queue
        # The steps walked so far (a caller who hung up in the IVR: where they gave up).
        path = live.path_record() if live.ivr_path else None

        if path is not None:
            self.writer.submit(Op.of(cdr.update_call, uuid=uuid, ivr_path=path))
        self.writer.submit(Op.of(cdr.end_call, uuid=uuid, outcome=outcome, cause=cause, at=utcnow()))
        if recording:
            self.writer.submit(Op.of(cdr.index_recording_file, path=str(recording), **fields))
        # From the writer's thread once the batch holding the record is committed (a subscriber that
        # reads the CDR or its recording must find them: quality's checks did not, 1 run in 2): the
        # bus takes it to subscribers' loops.
        # Journaled with the record: after an outage it is announced when the record goes in.
        self.writer.submit(Op.of(cdr_written, call_id=uuid, outcome=outcome))
        if self.hooks.registered(CallHookPoint.CALL_ENDED):
            ctx = self.center.hook_context(
                live, outcome=outcome, recording=str(recording) if recording else None
            )
            if ctx is not None:
                self.writer.after(lambda: self.center.run_hooks(CallHookPoint.CALL_ENDED, ctx))
        if outcome == "voicemail" and recording:
            # The message is complete now: the work-order side turns it into a draft.
            caller, caller_id = live.caller_number, live.facts.caller_id
            voicemail = VoicemailRecorded(
                call_id=uuid, caller=caller, caller_id=caller_id, path=str(recording)
            )
            self.bus.publish(voicemail)
