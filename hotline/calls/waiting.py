"""Waiting in a queue: music, announcements, the callback key; overflow; callbacks.

A part of `CallCenter` (`center.waiting`). `enqueue` puts the caller in the ACD with music on
hold and starts the waiting room: their place in line (any number, read from digit prompts past
20) and the expected wait, then the callback key. A ring nobody answered puts the caller back
there (`back_to_waiting`). Overflow actions: voicemail, callback (keeping the place), or a polite
goodbye before hanging up (a timeout, or nobody logged in to the queue). A callback is only
placed when the number can be routed; when the callee picks up the call counts as answered, never
before.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from hotline.acd.engine import Acd, OverflowAction
from hotline.acd.queue import OverflowKind
from hotline.bus import Bus
from hotline.calls import cdr
from hotline.calls.host import CenterPort
from hotline.calls.live import CallAction, CallState, LiveCall
from hotline.calls.ops import Op
from hotline.calls.telephony import EnginePort, LegPort
from hotline.calls.topics import QueuePositionAnnounced
from hotline.calls.writer import Writer
from hotline.errors import HotlineError
from hotline.ivr.numbers import number_prompts
from hotline.store.base import utcnow

log = logging.getLogger(__name__)
FALLBACK_QUEUE = "general"
ANNOUNCE_SECONDS = 45.0  # how often a waiting caller hears their place again
CALLBACK_KEY = "1"  # pressed while waiting: call me back, keep my place
RECORDED_POSITIONS = 20  # position-1 … position-20 are whole sentences; beyond, composed
# What the caller hears before the hotline hangs up on them, per overflow reason.
GOODBYE = {"timeout": "queue-timeout-goodbye", "no_agent": "no-agent-goodbye"}


def position_prompts(position: int) -> list[str]:
    """The prompts telling a caller how many callers are ahead of them."""
    if 1 <= position <= RECORDED_POSITIONS:
        return [f"position-{position}"]
    return ["position-ahead", *number_prompts(position), "position-callers"]


class WaitingRoom:
    """Callers waiting in a queue, overflow and callbacks dialled (`CallCenter.waiting`)."""

    def __init__(self, center: CenterPort) -> None:
        self.center = center
        self.engine: EnginePort = center.engine
        self.bus: Bus = center.bus
        self.acd: Acd = center.acd
        self.live: dict[str, LiveCall] = center.live
        self.clock: Callable[[], float] = center.clock
        self.writer: Writer = center.writer

    async def enqueue(self, live: LiveCall, queue: str, priority: int) -> None:
        if queue not in self.acd.queues:
            queue = FALLBACK_QUEUE if FALLBACK_QUEUE in self.acd.queues else next(iter(self.acd.queues), "")
        if not queue:
            if live.caller_leg is not None:
                await live.caller_leg.hangup("unavailable")
            return
        live.move(CallAction.enqueue)
        live.queue, live.priority = queue, priority
        live.queued_at = at = utcnow()
        uuid = live.uuid
        self.writer.submit(Op.of(cdr.update_call, uuid=uuid, queue=queue, priority=priority, queued_at=at))
        if live.caller_leg is not None:
            with contextlib.suppress(FileNotFoundError):
                await live.caller_leg.play_moh()
        self.center.apply(self.acd.enqueue(live.uuid, queue, live.caller_number, priority, self.clock()))
        self._start_waiting_room(live)

    def _start_waiting_room(self, live: LiveCall) -> None:
        leg = live.caller_leg
        if live.outcome == "emergency" or leg is None or not leg.is_active:
            return  # the emergency caller is with the fan-out meanwhile, not on hold
        if live.waiting_room is None or live.waiting_room.done():
            live.waiting_room = self.center.spawn(self._waiting_room(live, leg))

    def back_to_waiting(self, uuid: str) -> None:
        """Nobody answered the ring (the ACD put the call back in line, or offered it again): a
        caller no longer ringing anyone waits again, with the music, announcements and the key."""
        live, call = self.live.get(uuid), self.acd.calls.get(uuid)
        if live is None or call is None or call.offered or live.state is not CallState.ringing:
            return
        live.move(CallAction.unanswered)
        leg = live.caller_leg
        if live.callback_number is None and leg is not None and leg.is_active and live.outcome != "emergency":
            self.center.spawn(self._resume_music(leg))
            self._start_waiting_room(live)

    async def _resume_music(self, leg: LegPort) -> None:
        with contextlib.suppress(FileNotFoundError):
            await leg.play_moh()

    def _still_waiting(self, live: LiveCall, leg: LegPort) -> bool:
        return live.state == "queued" and live.callback_number is None and leg.is_active

    async def _waiting_room(self, live: LiveCall, leg: LegPort) -> None:
        """While the caller waits: tell them their place and wait (`position_prompts`,
        `wait-minutes-M`), keep the music on, and let them press 1 to be called back instead,
        keeping their place. Every await is followed by a state check: an agent may have answered
        meanwhile, and nothing may be played over a bridged call."""
        # Keys pressed before the wait began (a double press in the menu) are not a request.
        leg.flush_digits()
        while self._still_waiting(live, leg):
            try:
                position, wait = self.acd.position(live.uuid)
            except HotlineError:
                return
            if position == 0:
                return  # ringing an agent
            self.bus.publish(
                QueuePositionAnnounced(call_id=live.uuid, queue=live.queue, position=position, wait=wait)
            )
            minutes = f"wait-minutes-{min(int(wait // 60) + 1, 30)}"
            for prompt in (*position_prompts(position), minutes):
                if not self._still_waiting(live, leg):
                    return
                await self.center.ivr.play(leg, prompt, wait=True)
            if not self._still_waiting(live, leg):
                return
            with contextlib.suppress(FileNotFoundError):
                await leg.play_moh()
            every = self.center.announce_seconds
            digit = await leg.collect_digits(1, every, "", first_timeout=every)
            if digit == CALLBACK_KEY and self._still_waiting(live, leg):
                try:
                    self.request_callback(live.uuid)
                except HotlineError:
                    continue
                await self.center.ivr.play(leg, "callback-confirmed", wait=True)
                await leg.hangup("callback_requested")
                return

    # --- overflow and callbacks ---------------------------------------------------------------

    async def overflow(self, action: OverflowAction) -> None:
        live = self.live.get(action.call_id)
        if live is None:
            return
        if action.kind is OverflowKind.voicemail:
            live.outcome = "voicemail"
            await self.center.ivr.voicemail(live)
        elif action.kind is OverflowKind.callback:
            live.callback_number = live.caller_number
            live.outcome = "callback"
            if live.caller_leg is not None and live.caller_leg.is_active:
                await live.caller_leg.hangup("callback_requested")
        elif action.kind is OverflowKind.hangup and live.caller_leg is not None:
            # Out of the queue: no more announcements, and hanging up now is not an abandon.
            live.move(CallAction.overflow)
            live.outcome = "timeout" if action.reason == "timeout" else action.reason
            self.record_wait(live, utcnow())
            leg = live.caller_leg
            leg.stop_playback()
            # Never a silent drop: say why, then say goodbye.
            await self.center.ivr.play(leg, GOODBYE.get(action.reason, GOODBYE["timeout"]), wait=True)
            await leg.hangup("queue_timeout" if action.reason == "timeout" else action.reason)

    def record_wait(self, live: LiveCall, at: datetime) -> None:
        """The CDR of a caller who left the queue unanswered says how long they waited."""
        if live.queued_at is not None:
            uuid, wait = live.uuid, round((at - live.queued_at).total_seconds(), 3)
            self.writer.submit(Op.of(cdr.update_call, uuid=uuid, wait_seconds=wait))

    def request_callback(self, call_id: str, number: str | None = None) -> None:
        """The caller asks to be called back: they keep their place and may hang up."""
        live = self.live.get(call_id)
        if live is None:
            raise HotlineError(f"call {call_id} is not waiting", f"来电 {call_id} 不在排队中")
        live.callback_number = number or live.caller_number
        self.acd.request_callback(call_id, live.callback_number, self.clock())
        live.outcome = "callback"

    def callback_routable(self, live: LiveCall) -> bool:
        """Whether the callback number can be dialled at all (an outbound trunk, or a phone)."""
        try:
            self.engine.resolve(live.callback_number or live.caller_number)
        except LookupError:
            return False
        return True

    def callback_unroutable(self, live: LiveCall) -> None:
        """No route to the callback number: give it up now, before any agent is rung for it."""
        log.warning("callback %s: no route to the number; given up", live.uuid)
        with contextlib.suppress(HotlineError):
            self.center.apply(self.acd.callback_failed(live.uuid, self.clock(), reason="no_route"))

    async def connect_callback(self, live: LiveCall, agent_id: int, agent_leg: LegPort) -> None:
        """The agent answered a callback offer: now ring the caller and bridge them."""
        now = self.clock()
        try:
            self.center.apply(self.acd.answer(agent_id, live.uuid, now))
        except HotlineError:
            await agent_leg.hangup("cancelled")
            return
        number = live.callback_number or live.caller_number
        live.call, live.agent_leg, live.agent_id = agent_leg.call, agent_leg, agent_id
        reason: str | None = None
        callee: LegPort | None = None
        ok = False
        if not self.center.control.callback_allowed(live, number):
            reason = "refused"  # by the dial plan: retrying cannot help either
        else:
            try:
                callee = await self.engine.originate(number, call=agent_leg.call, caller_id="hotline")
                ok = await callee.wait_answered(30)
            except (LookupError, OSError):
                reason = "no_route"
        if callee is None or not ok or not agent_leg.is_active:
            if callee is not None and callee.is_active:
                await callee.hangup("no_answer")
            self.center.apply(self.acd.callback_failed(live.uuid, self.clock(), reason=reason))
            live.agent_leg = live.agent_id = None
            if agent_leg.is_active:
                await agent_leg.hangup("callback_failed")
            return
        self.acd.callback_connected(live.uuid, self.clock())
        live.move(CallAction.connect)
        live.caller_leg, live.outcome = callee, "callback_answered"
        self.live[agent_leg.call.id] = live  # the new engine call now carries this CDR
        agent_leg.call.bridge(callee, agent_leg)
        self.center.keep_caller_after_agent(live, agent_leg)
        self.center.record(live)
        uuid, callee_id, at = live.uuid, callee.id, utcnow()

        self.writer.submit(Op.of(cdr.update_call, uuid=uuid, agent_id=agent_id, answered_at=at))
        self.writer.submit(
            Op.of(
                cdr.add_leg,
                uuid=uuid,
                leg_uuid=callee_id,
                role="callback",
                number=number,
                agent_id=None,
                at=at,
            )
        )
        self.center.agent_connected(live)
