"""Inbound call handling: answer, walk the IVR on the caller's leg, then act on its outcome.

A mixin of `CallCenter` (kept apart so each file has one job): `inbound` is the engine's
`on_inbound` hook. Outcomes: enqueue (music on hold and position announcements while waiting),
transfer (agent extension, queue or external number), voicemail (recorded; "voicemail.new" when
it starts, "voicemail.recorded" with the finished file, for a work-order draft), survey hand-off
("survey.requested"), emergency (rings the emergency number and the caller's contacts in parallel,
bridges the first to answer, alerts supervisors, records, and queues the call at top priority so
a hotline agent joins three-way), hang-up. Also: overflow actions and callbacks that keep the
caller's place.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from hotline.acd.engine import Acd, Action, OverflowAction
from hotline.acd.priority import EMERGENCY
from hotline.acd.queue import OverflowKind
from hotline.bus import Bus
from hotline.calls import cdr
from hotline.calls.live import LiveCall
from hotline.calls.telephony import EnginePort
from hotline.calls.writer import Writer
from hotline.errors import HotlineError
from hotline.ivr.flow import Flow, validate
from hotline.ivr.interpreter import CollectDigits, Outcome, PlayPrompt, run
from hotline.ivr.runtime import environment
from hotline.ivr.service import flow_by_name, flow_for_number, published_definition
from hotline.store.base import utcnow
from hotline.store.db import Database

log = logging.getLogger(__name__)
EMERGENCY_RING_SECONDS = 45.0
FALLBACK_QUEUE = "general"
ANNOUNCE_SECONDS = 45.0  # how often a waiting caller hears their place again
CALLBACK_KEY = "1"  # pressed while waiting: call me back, keep my place


class IvrRunner:
    engine: EnginePort
    db: Database
    bus: Bus
    acd: Acd
    live: dict[str, LiveCall]
    clock: Callable[[], float]
    recordings_dir: Path
    writer: Writer

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        raise NotImplementedError

    def apply(self, actions: list[Action]) -> None:
        raise NotImplementedError

    def _connected(self, live: LiveCall, agent_id: int, leg: Any) -> None:
        raise NotImplementedError

    def _record(self, live: LiveCall) -> None:
        raise NotImplementedError

    if TYPE_CHECKING:  # in hotline.calls.control

        def callback_allowed(self, live: LiveCall, number: str) -> bool: ...

    # --- inbound ------------------------------------------------------------------------------

    async def inbound(self, leg: Any) -> None:
        uuid = leg.call.id
        loads = {name: len(q) for name, q in self.acd.queues.items()}
        # Reads run in a worker thread: the loop carries everyone's audio meanwhile.
        flow_name, flow, env = await self.db.run(self._prepare, leg.dialed, leg.caller, loads)
        fields = {"direction": "inbound", "caller_number": leg.caller, "callee_number": leg.dialed}
        fields |= {"caller_id": env.caller.caller_id, "ivr_flow": flow_name, "started_at": utcnow()}
        leg_id, number = leg.id, leg.caller

        def opened(s: Session) -> None:
            cdr.open_call(s, uuid, **fields)
            cdr.add_leg(s, uuid, leg_id, "caller", number, None)

        self.writer.submit(opened)
        live = LiveCall(uuid, leg.call, leg, leg.caller, env.caller, flow_name=flow_name)
        self.live[uuid] = live
        await leg.answer()
        if flow is None:
            outcome = Outcome("enqueue", "", target=FALLBACK_QUEUE)
        else:
            outcome = await self._walk(leg, flow, env)
        live.ivr_path = outcome.path
        path = {"flow": flow_name, "steps": outcome.path, "vars": dict(outcome.variables)}
        self.writer.submit(lambda s: cdr.update_call(s, uuid, ivr_path=path))
        if not leg.is_active:
            return
        await self.dispatch(live, outcome)

    def _prepare(
        self, dialed: str, caller: str, loads: dict[str, int]
    ) -> tuple[str | None, Flow | None, Any]:
        with self.db.session() as s:
            flow_row = flow_for_number(s, dialed)
            flow = validate(published_definition(s, flow_row)) if flow_row else None
            env = environment(s, caller, queue_load=lambda q: loads.get(q, 0))
        return (flow_row.name if flow_row else None), flow, env

    async def resume_ivr(self, live: LiveCall, target: str) -> None:
        """An agent transferred the caller to an IVR node ("node" of the call's flow, or "flow:node")."""
        flow_name, _, node = target.rpartition(":")
        flow_name = flow_name or live.flow_name or ""
        leg = live.caller_leg
        if leg is None or not leg.is_active:
            return
        flow, env = await self.db.run(self._load_flow, flow_name, live.caller_number)
        live.state = "ivr"
        outcome = await self._walk(leg, flow, env, start=node)
        live.ivr_path = live.ivr_path + outcome.path
        if leg.is_active:
            await self.dispatch(live, outcome)

    def _load_flow(self, name: str, caller: str) -> tuple[Flow, Any]:
        with self.db.session() as s:
            flow = validate(published_definition(s, flow_by_name(s, name)))
            return flow, environment(s, caller)

    async def _walk(self, leg: Any, flow: Flow, env: Any, start: str | None = None) -> Outcome:
        walker = run(flow, env, start)
        answer: str | None = None
        try:
            instr = next(walker)
            while leg.is_active:
                if isinstance(instr, PlayPrompt):
                    await self._play(leg, instr.prompt, wait=True)
                    answer = None
                elif isinstance(instr, CollectDigits):
                    await self._play(leg, instr.prompt, wait=False)  # callers may type ahead
                    answer = await leg.collect_digits(
                        instr.max_digits, instr.timeout, instr.terminator or "#", first_timeout=instr.timeout
                    )
                    leg.stop_playback()
                instr = walker.send(answer)
        except StopIteration as stop:
            outcome: Outcome = stop.value
            return outcome
        return Outcome("hangup", "", reason="caller_left")

    async def _play(self, leg: Any, prompt: str, wait: bool) -> None:
        try:
            await leg.play(prompt, wait=wait)
        except FileNotFoundError:
            log.debug("prompt %s is missing; continuing silently", prompt)

    # --- outcomes -----------------------------------------------------------------------------

    async def dispatch(self, live: LiveCall, outcome: Outcome) -> None:
        live.outcome = outcome.kind
        kind, target = outcome.kind, outcome.target or ""
        if kind == "enqueue" or (kind == "transfer" and outcome.target_kind == "queue"):
            await self.enqueue(live, target, outcome.priority)
        elif kind == "transfer":
            await self.connect_external(live, target)
        elif kind == "voicemail":
            await self.voicemail(live)
        elif kind == "emergency":
            await self.emergency(live, outcome.numbers, target or FALLBACK_QUEUE)
        elif kind == "survey":
            self.bus.publish(
                "survey.requested", {"call_id": live.uuid, "survey": target, "caller": live.caller_number}
            )
            await asyncio.sleep(0)
            if live.caller_leg is not None:
                await live.caller_leg.hangup("survey")
        else:
            live.outcome = "ivr_hangup"
            if live.caller_leg is not None:
                await live.caller_leg.hangup("normal")

    async def enqueue(self, live: LiveCall, queue: str, priority: int) -> None:
        if queue not in self.acd.queues:
            queue = FALLBACK_QUEUE if FALLBACK_QUEUE in self.acd.queues else next(iter(self.acd.queues), "")
        if not queue:
            if live.caller_leg is not None:
                await live.caller_leg.hangup("unavailable")
            return
        live.state, live.queue, live.priority = "queued", queue, priority
        live.queued_at = at = utcnow()
        uuid = live.uuid
        self.writer.submit(lambda s: cdr.update_call(s, uuid, queue=queue, priority=priority, queued_at=at))
        if live.caller_leg is not None:
            with contextlib.suppress(FileNotFoundError):
                await live.caller_leg.play_moh()
        self.apply(self.acd.enqueue(live.uuid, queue, live.caller_number, priority, self.clock()))
        if live.outcome != "emergency" and live.caller_leg is not None:
            self.spawn(self._waiting_room(live, live.caller_leg))

    def _still_waiting(self, live: LiveCall, leg: Any) -> bool:
        return live.state == "queued" and live.callback_number is None and leg.is_active

    async def _waiting_room(self, live: LiveCall, leg: Any) -> None:
        """While the caller waits: tell them their place and wait (prompts `position-N`,
        `wait-minutes-M`), keep the music on, and let them press 1 to be called back instead,
        keeping their place. Every await is followed by a state check: an agent may have answered
        meanwhile, and nothing may be played over a bridged call."""
        while self._still_waiting(live, leg):
            try:
                position, wait = self.acd.position(live.uuid)
            except HotlineError:
                return
            if position == 0:
                return  # ringing an agent
            self.bus.publish(
                "queue.position",
                {"call_id": live.uuid, "queue": live.queue, "position": position, "wait": wait},
            )
            for prompt in (f"position-{min(position, 99)}", f"wait-minutes-{min(int(wait // 60) + 1, 30)}"):
                if not self._still_waiting(live, leg):
                    return
                await self._play(leg, prompt, wait=True)
            if not self._still_waiting(live, leg):
                return
            with contextlib.suppress(FileNotFoundError):
                await leg.play_moh()
            digit = await leg.collect_digits(1, ANNOUNCE_SECONDS, "", first_timeout=ANNOUNCE_SECONDS)
            if digit == CALLBACK_KEY and self._still_waiting(live, leg):
                try:
                    self.request_callback(live.uuid)
                except HotlineError:
                    continue
                await self._play(leg, "callback-confirmed", wait=True)
                await leg.hangup("callback_requested")
                return

    async def connect_external(self, live: LiveCall, target: str) -> Any:
        try:
            leg = await self.engine.originate(
                target, call=live.call, caller_id=live.caller_number or "hotline"
            )
        except (LookupError, OSError):
            log.info("no route to %s for call %s", target, live.uuid)
            if live.caller_leg is not None:
                await live.caller_leg.hangup("unavailable")
            return None
        uuid, leg_id = live.uuid, leg.id
        self.writer.submit(lambda s: cdr.add_leg(s, uuid, leg_id, "external", target, None))
        if await leg.wait_answered(60) and live.caller_leg is not None and live.caller_leg.is_active:
            live.call.bridge(live.caller_leg, leg)
            live.state = "connected"
            self._record(live)
            return leg
        await leg.hangup("no_answer")
        return None

    async def voicemail(self, live: LiveCall, max_seconds: float = 120.0) -> None:
        live.state = "voicemail"
        path = self.recordings_dir / "voicemail" / f"{live.uuid}.wav"
        live.recording = str(live.call.record(path, {"kind": "voicemail", "caller": live.caller_number}))
        self.bus.publish(
            "voicemail.new",
            {
                "call_id": live.uuid,
                "caller": live.caller_number,
                "caller_id": live.facts.caller_id,
                "path": str(path),
            },
        )
        leg = live.caller_leg
        if leg is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(leg.ended.wait(), max_seconds)
            if leg.is_active:
                await leg.hangup("voicemail_limit")

    async def emergency(self, live: LiveCall, numbers: list[str], queue: str) -> None:
        live.state, live.outcome = "emergency", "emergency"
        self._record(live)
        self.bus.publish(
            "emergency.alert",
            {
                "call_id": live.uuid,
                "caller": live.caller_number,
                "caller_id": live.facts.caller_id,
                "numbers": numbers,
            },
        )
        legs = []
        for number in dict.fromkeys(numbers):  # ring all at once, each number once
            try:
                leg = await self.engine.originate(
                    number, call=live.call, caller_id=live.caller_number or "hotline"
                )
            except (LookupError, OSError):
                log.warning("emergency: no route to %s", number)
                continue
            legs.append(leg)
            self.writer.submit(
                functools.partial(
                    cdr.add_leg,
                    uuid=live.uuid,
                    leg_uuid=leg.id,
                    role="external",
                    number=number,
                    agent_id=None,
                )
            )
        live.external_legs = legs
        # Hotline agents are offered the call at once too, so one can join (three-way).
        await self.enqueue(live, queue, EMERGENCY)
        live.outcome = "emergency"
        if not legs:
            return
        waits = {asyncio.ensure_future(leg.wait_answered(EMERGENCY_RING_SECONDS)): leg for leg in legs}
        winner = None
        pending = set(waits)
        while pending and winner is None:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            winner = next((waits[t] for t in done if t.result()), None)
        for task in pending:
            task.cancel()
        for leg in legs:
            if leg is not winner and leg.is_active:
                await leg.hangup("answered_elsewhere" if winner else "no_answer")
        caller = live.caller_leg
        if winner is None or caller is None or not caller.is_active:
            return
        caller.stop_playback()
        if live.agent_leg is not None:
            live.call.join(winner, "third")
        else:
            live.call.bridge(caller, winner)
        self.bus.publish("emergency.connected", {"call_id": live.uuid, "number": winner.dialed})

    # --- overflow and callbacks ---------------------------------------------------------------

    async def _overflow(self, action: OverflowAction) -> None:
        live = self.live.get(action.call_id)
        if live is None:
            return
        if action.kind is OverflowKind.voicemail:
            live.outcome = "voicemail"
            await self.voicemail(live)
        elif action.kind is OverflowKind.callback:
            live.callback_number = live.caller_number
            live.outcome = "callback"
            if live.caller_leg is not None and live.caller_leg.is_active:
                await live.caller_leg.hangup("callback_requested")
        elif action.kind is OverflowKind.hangup and live.caller_leg is not None:
            live.outcome = "timeout"
            await live.caller_leg.hangup("queue_timeout")

    def request_callback(self, call_id: str, number: str | None = None) -> None:
        """The caller asks to be called back: they keep their place and may hang up."""
        live = self.live.get(call_id)
        if live is None:
            raise HotlineError(f"call {call_id} is not waiting", f"来电 {call_id} 不在排队中")
        live.callback_number = number or live.caller_number
        self.acd.request_callback(call_id, live.callback_number, self.clock())
        live.outcome = "callback"

    async def _connect_callback(self, live: LiveCall, agent_id: int, agent_leg: Any) -> None:
        """The agent answered a callback offer: now ring the caller and bridge them."""
        now = self.clock()
        try:
            self.apply(self.acd.answer(agent_id, live.uuid, now))
        except HotlineError:
            await agent_leg.hangup("cancelled")
            return
        number = live.callback_number or live.caller_number
        live.call, live.agent_leg, live.agent_id = agent_leg.call, agent_leg, agent_id
        try:
            if not self.callback_allowed(live, number):
                raise LookupError("the dial plan refuses this callback number")
            callee = await self.engine.originate(number, call=agent_leg.call, caller_id="hotline")
            ok = await callee.wait_answered(30)
        except (LookupError, OSError):
            callee, ok = None, False
        if not ok or not agent_leg.is_active:
            if callee is not None and callee.is_active:
                await callee.hangup("no_answer")
            self.apply(self.acd.callback_failed(live.uuid, self.clock()))
            live.agent_leg = live.agent_id = None
            if agent_leg.is_active:
                await agent_leg.hangup("callback_failed")
            return
        self.acd.callback_connected(live.uuid)
        live.caller_leg, live.state, live.outcome = callee, "connected", "callback_answered"
        self.live[agent_leg.call.id] = live  # the new engine call now carries this CDR
        agent_leg.call.bridge(callee, agent_leg)
        self._record(live)
        uuid, callee_id, at = live.uuid, callee.id, utcnow()

        def write(s: Session) -> None:
            cdr.update_call(s, uuid, agent_id=agent_id, answered_at=at)
            cdr.add_leg(s, uuid, callee_id, "callback", number, None)

        self.writer.submit(write)
