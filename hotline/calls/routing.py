"""Inbound call handling: answer, walk the IVR on the caller's leg, then act on its outcome.

A part of `CallCenter` (`center.ivr`, kept apart so each file has one job): `inbound` is the engine's
`on_inbound` hook. Outcomes: enqueue (music on hold and position announcements while waiting),
transfer (agent extension, queue or external number), voicemail (recorded; "voicemail.started" when
it starts, "voicemail.recorded" with the finished file, for a work-order draft), survey hand-off
("survey.requested", and the SURVEY_REQUESTED call hooks with the caller still on the line),
emergency (rings the emergency number and the caller's contacts in parallel,
bridges the first to answer, alerts supervisors, records, and queues the call at top priority so
a hotline agent joins three-way), hang-up. Before the menu the emergency modes may divert the
call (`hotline.calls.diversion`: an announcement, a backup center now or after waiting, a mode
taking the call over). Waiting in a queue, overflow and callbacks are in `hotline.calls.waiting`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from hotline.acd.engine import Acd
from hotline.acd.priority import EMERGENCY
from hotline.bus import Bus
from hotline.calls import cdr
from hotline.calls.alerts import legs_list
from hotline.calls.diversion import Diversion, DivertQuery, logged_in
from hotline.calls.facts import environment
from hotline.calls.hooks import CallHookPoint, CallHooks
from hotline.calls.host import CenterPort
from hotline.calls.live import CallAction, CallState, LiveCall
from hotline.calls.ops import Op
from hotline.calls.telephony import EnginePort, LegPort
from hotline.calls.topics import (
    EmergencyConnected,
    EmergencyLegChanged,
    EmergencyRaised,
    SurveyRequested,
    VoicemailStarted,
)
from hotline.calls.writer import Writer, unreachable
from hotline.ivr.flow import Flow, validate
from hotline.ivr.interpreter import CallerFacts, CollectDigits, Outcome, PlayPrompt, run
from hotline.ivr.service import flow_by_name, flow_for_number, published_definition
from hotline.store.base import utcnow
from hotline.store.db import Database

log = logging.getLogger(__name__)
EMERGENCY_RING_SECONDS = 45.0
FALLBACK_QUEUE = "general"


class IvrRunner:
    """Inbound calls through the IVR to their outcome (`CallCenter.ivr`)."""

    def __init__(self, center: CenterPort) -> None:
        self.center = center
        self.engine: EnginePort = center.engine
        self.db: Database = center.db
        self.bus: Bus = center.bus
        self.acd: Acd = center.acd
        self.live: dict[str, LiveCall] = center.live
        self.clock: Callable[[], float] = center.clock
        self.recordings_dir: Path = center.recordings_dir
        self.writer: Writer = center.writer
        self.hooks: CallHooks = center.hooks
        self._missing_prompts: set[str] = set()

    # --- inbound ------------------------------------------------------------------------------

    async def inbound(self, leg: LegPort) -> None:
        uuid, leg_id, number = leg.call.id, leg.id, leg.caller
        # The call is known (and its CDR opened) before the first await: a caller who cancels
        # while the flow is looked up (1-5 ms after the INVITE) then ends through the ordinary
        # hang-up path, with a final CDR, instead of leaving a call nobody will ever end.
        live = LiveCall(uuid, leg.call, leg, number, CallerFacts(number))
        self.live[uuid] = live
        fields: dict[str, Any] = {
            "direction": "inbound",
            "caller_number": number,
            "callee_number": leg.dialed,
        }
        fields["started_at"] = utcnow()

        self.writer.submit(Op.of(cdr.open_call, uuid=uuid, **fields))
        self.writer.submit(
            Op.of(cdr.add_leg, uuid=uuid, leg_uuid=leg_id, role="caller", number=number, agent_id=None)
        )
        loads = {name: len(q) for name, q in self.acd.queues.items()}
        # Reads run in a worker thread: the loop carries everyone's audio meanwhile.
        try:
            flow_name, flow, env = await self.db.run(self._prepare, uuid, leg.dialed, number, loads)
        except Exception as exc:
            if not unreachable(exc):
                raise
            # The database is away: no menu and no caller record, straight to the general queue
            # (the call is still answered and recorded; its CDR goes to the journal).
            log.warning("call %s: database unreachable, routed without the IVR flow", uuid)
            flow_name, flow, env = None, None, SimpleNamespace(caller=CallerFacts(number))
        live.facts, live.flow_name = env.caller, flow_name
        caller_id = env.caller.caller_id
        self.writer.submit(Op.of(cdr.update_call, uuid=uuid, caller_id=caller_id, ivr_flow=flow_name))
        if not leg.is_active:
            return  # cancelled meanwhile: the hang-up already closed the CDR
        await leg.answer()
        if self.hooks.registered(CallHookPoint.CALLER_IDENTIFIED):
            ctx = self.center.hook_context(live)
            if ctx is not None:
                await self.hooks.run(CallHookPoint.CALLER_IDENTIFIED, ctx)
            if not leg.is_active:
                return
        diversion = await self._divert(live, leg)
        if not leg.is_active:
            return
        if diversion is not None and (diversion.take_over or diversion.transfer_to):
            outcome = Outcome("transfer", "diversion", target=diversion.transfer_to, target_kind="external")
        elif flow is None:
            outcome = Outcome("enqueue", "", target=FALLBACK_QUEUE)
        else:
            outcome = await self._walk(leg, flow, env, path=live.ivr_path)
        live.ivr_vars = dict(outcome.variables)
        path = live.path_record()
        self.writer.submit(Op.of(cdr.update_call, uuid=uuid, ivr_path=path))
        if not leg.is_active:
            return
        if diversion is not None and diversion.take_over is not None:
            live.move(CallAction.take_over)
            live.outcome = await diversion.take_over.run(leg, uuid, number)
            if leg.is_active:
                await leg.hangup("normal")
            return
        await self.dispatch(live, outcome)
        if diversion is not None and diversion.overflow_to and live.state is CallState.queued:
            self.center.spawn(self._overflow_later(live, diversion.overflow_to, diversion.overflow_after))

    async def _divert(self, live: LiveCall, leg: LegPort) -> Diversion | None:
        """Ask the emergency modes (`calls/diversion.py`) about this call; play their announcements."""
        query = DivertQuery(live.uuid, leg.dialed, live.caller_number, logged_in(self.acd))
        diversion = self.center.diversions.ask(query)
        if diversion is None:
            return None
        live.ivr_path.append(diversion.step())
        for prompt in diversion.announce:
            if not leg.is_active:
                break
            await self.play(leg, prompt, wait=True)
        return diversion

    async def _overflow_later(self, live: LiveCall, target: str, after: float) -> None:
        """An emergency mode's overflow: a caller still waiting after `after` s goes to `target`."""
        await asyncio.sleep(after)
        leg = live.caller_leg
        if leg is None or not leg.is_active or live.state is not CallState.queued:
            return
        if live.callback_number is not None or not self.acd.divert(live.uuid, self.clock(), target):
            return
        live.move(CallAction.overflow)
        live.outcome = "overflow_transfer"
        self.center.waiting.record_wait(live, utcnow())
        leg.stop_playback()
        await self.connect_external(live, target)

    def _prepare(
        self, uuid: str, dialed: str, caller: str, loads: dict[str, int]
    ) -> tuple[str | None, Flow | None, Any]:
        with self.db.session() as s:
            flow_row = flow_for_number(s, dialed)
            flow = validate(published_definition(s, flow_row)) if flow_row else None
            env = environment(
                s,
                caller,
                queue_load=lambda q: loads.get(q, 0),
                call_uuid=uuid,
                open_orders=self.center.open_work_orders,
            )
        return (flow_row.name if flow_row else None), flow, env

    async def resume_ivr(self, live: LiveCall, target: str) -> None:
        """An agent transferred the caller to an IVR node ("node" of the call's flow, or "flow:node")."""
        flow_name, _, node = target.rpartition(":")
        flow_name = flow_name or live.flow_name or ""
        leg = live.caller_leg
        if leg is None or not leg.is_active:
            return
        flow, env = await self.db.run(self._load_flow, flow_name, live.caller_number)
        live.move(CallAction.to_ivr)
        outcome = await self._walk(leg, flow, env, start=node, path=live.ivr_path)
        live.ivr_vars |= outcome.variables
        if leg.is_active:
            await self.dispatch(live, outcome)

    def _load_flow(self, name: str, caller: str) -> tuple[Flow, Any]:
        with self.db.session() as s:
            flow = validate(published_definition(s, flow_by_name(s, name)))
            return flow, environment(s, caller, open_orders=self.center.open_work_orders)

    async def _walk(
        self, leg: LegPort, flow: Flow, env: Any, start: str | None = None, path: list[Any] | None = None
    ) -> Outcome:
        """Drive the interpreter with the leg's prompts and digits; steps go into `path` as they
        are taken (the CDR of a caller who hangs up in the IVR shows where they got)."""
        path = [] if path is None else path
        walker = run(flow, env, start, path)
        answer: str | None = None
        try:
            instr = next(walker)
            while leg.is_active:
                if isinstance(instr, PlayPrompt):
                    await self.play(leg, instr.prompt, wait=True)
                    answer = None
                elif isinstance(instr, CollectDigits):
                    # Keys pressed for an earlier node (a double press in the menu before) must not
                    # answer this one; keys pressed from here on, during its prompt, are kept.
                    leg.flush_digits()
                    await self.play(leg, instr.prompt, wait=False)  # callers may type ahead
                    answer = await leg.collect_digits(
                        instr.max_digits, instr.timeout, instr.terminator or "#", first_timeout=instr.timeout
                    )
                    leg.stop_playback()
                instr = walker.send(answer)
        except StopIteration as stop:
            outcome: Outcome = stop.value
            return outcome
        return Outcome("hangup", "", reason="caller_left", path=path)

    async def play(self, leg: LegPort, prompt: str, wait: bool) -> None:
        try:
            await leg.play(prompt, wait=wait)
        except FileNotFoundError:
            # A fault the operator must see (`hotline ivr prompts` makes every prompt a flow or the
            # waiting room names): logged once per prompt, and the call goes on without it.
            if prompt not in self._missing_prompts:
                self._missing_prompts.add(prompt)
                log.warning("prompt %s is missing: callers hear nothing (run `hotline ivr prompts`)", prompt)

    # --- outcomes -----------------------------------------------------------------------------

    async def dispatch(self, live: LiveCall, outcome: Outcome) -> None:
        live.outcome = outcome.kind
        kind, target = outcome.kind, outcome.target or ""
        if kind == "enqueue" or (kind == "transfer" and outcome.target_kind == "queue"):
            await self.center.waiting.enqueue(live, target, outcome.priority)
        elif kind == "transfer":
            await self.connect_external(live, target)
        elif kind == "voicemail":
            await self.voicemail(live)
        elif kind == "emergency":
            await self.emergency(live, outcome.numbers, target or FALLBACK_QUEUE)
        elif kind == "survey":
            self.bus.publish(SurveyRequested(call_id=live.uuid, survey=target, caller=live.caller_number))
            if self.hooks.registered(CallHookPoint.SURVEY_REQUESTED):
                ctx = self.center.hook_context(live, survey=target)
                if ctx is not None:  # the domain that runs this survey has the caller meanwhile
                    await self.hooks.run(CallHookPoint.SURVEY_REQUESTED, ctx)
            await asyncio.sleep(0)
            if live.caller_leg is not None and live.caller_leg.is_active:
                await live.caller_leg.hangup("survey")
        else:
            live.outcome = "ivr_hangup"
            if live.caller_leg is not None:
                await live.caller_leg.hangup("normal")

    async def connect_external(self, live: LiveCall, target: str) -> LegPort | None:
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
        self.writer.submit(
            Op.of(cdr.add_leg, uuid=uuid, leg_uuid=leg_id, role="external", number=target, agent_id=None)
        )
        if await leg.wait_answered(60) and live.caller_leg is not None and live.caller_leg.is_active:
            live.move(CallAction.connect)
            live.call.bridge(live.caller_leg, leg)
            self.center.record(live)
            return leg
        await leg.hangup("no_answer")
        return None

    async def voicemail(self, live: LiveCall, max_seconds: float = 120.0) -> None:
        live.move(CallAction.voicemail)
        path = self.recordings_dir / "voicemail" / f"{live.uuid}.wav"
        live.recording = str(live.call.record(path, {"kind": "voicemail", "caller": live.caller_number}))
        self.bus.publish(
            VoicemailStarted(
                call_id=live.uuid, caller=live.caller_number, caller_id=live.facts.caller_id, path=str(path)
            )
        )
        leg = live.caller_leg
        if leg is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(leg.ended.wait(), max_seconds)
            if leg.is_active:
                await leg.hangup("voicemail_limit")

    async def emergency(self, live: LiveCall, numbers: list[str], queue: str) -> None:
        live.move(CallAction.emergency)
        live.outcome = "emergency"
        live.started = live.started or self.clock()
        self.center.record(live)
        live.emergency_legs = dict.fromkeys(numbers, "ringing")
        self.bus.publish(
            EmergencyRaised(
                call_id=live.uuid,
                caller=live.caller_number,
                caller_id=live.facts.caller_id,
                caller_name=live.facts.name,
                numbers=numbers,
                legs=legs_list(live.emergency_legs),
            )
        )
        legs = []
        for number in dict.fromkeys(numbers):  # ring all at once, each number once
            try:
                leg = await self.engine.originate(
                    number, call=live.call, caller_id=live.caller_number or "hotline"
                )
            except (LookupError, OSError):
                log.warning("emergency: no route to %s", number)
                self._emergency_leg(live, number, "failed")
                continue
            legs.append(leg)
            self.writer.submit(
                Op.of(
                    cdr.add_leg,
                    uuid=live.uuid,
                    leg_uuid=leg.id,
                    role="external",
                    number=number,
                    agent_id=None,
                    at=utcnow(),
                )
            )
        live.external_legs = legs
        # Hotline agents are offered the call at once too, so one can join (three-way).
        await self.center.waiting.enqueue(live, queue, EMERGENCY)
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
            if leg is not winner and live.emergency_legs.get(leg.dialed) == "ringing":
                self._emergency_leg(live, leg.dialed, "answered_elsewhere" if winner else "no_answer")
        if winner is not None:
            self._emergency_leg(live, winner.dialed, "answered")
        caller = live.caller_leg
        if winner is None or caller is None or not caller.is_active:
            return
        self._answered_by_emergency(live, winner)
        caller.stop_playback()
        if live.agent_leg is not None:
            live.call.join(winner, "third")
        else:
            live.call.bridge(caller, winner)
        self.bus.publish(EmergencyConnected(call_id=live.uuid, number=winner.dialed))

    def _emergency_leg(self, live: LiveCall, number: str, status: str) -> None:
        """One leg of an emergency fan-out changed: the agent's banner and the wallboard show it."""
        live.emergency_legs[number] = status
        event = EmergencyLegChanged(call_id=live.uuid, agent_id=live.agent_id, number=number, status=status)
        self.bus.publish(event)

    def _answered_by_emergency(self, live: LiveCall, winner: Any) -> None:
        """The fan-out reached someone: the call is answered (not an abandon when the caller hangs
        up later), though it stays queued for a hotline agent to join."""
        self.acd.answered_elsewhere(live.uuid, "emergency", self.clock())
        if live.answered_at is not None:
            return  # an agent answered first
        live.answered_at = at = utcnow()
        uuid, leg_id = live.uuid, winner.id
        wait = round((at - live.queued_at).total_seconds(), 3) if live.queued_at else None

        self.writer.submit(Op.of(cdr.update_call, uuid=uuid, answered_at=at, wait_seconds=wait))
        self.writer.submit(Op.of(cdr.leg_update, leg_uuid=leg_id, answered_at=at))
