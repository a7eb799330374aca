"""Call control (CTI) for agents and supervisors: the operations behind the REST/WebSocket API.

A collaborator of `CallCenter` (`center.control`), holding the center typed by `CenterPort`.
Agents: login, logout, ready, not ready, hang up, hold, blind transfer (queue, agent extension,
IVR node, external number), attended transfer (consult, then complete or cancel),
three-way conference, outbound call (the agent's phone rings first, then the number), queue pick,
callback request. Supervisors: listen, whisper (heard by the agent only: the mixer's rule), barge,
force hang-up, change an agent's state. Every operation runs on the call center's loop.
"""

from __future__ import annotations

import functools
import logging
import uuid as uuidlib
from typing import Any

from sqlalchemy import select

from hotline.acd.states import SIGNED_OUT, AgentState
from hotline.calls import cdr
from hotline.calls.control_audit import by_center
from hotline.calls.host import CenterPort
from hotline.calls.live import CallAction, CallState, LiveCall
from hotline.calls.ops import Op
from hotline.calls.telephony import LegPort
from hotline.calls.topics import AgentNotified
from hotline.calls.views import OUTBOUND_PREFIX
from hotline.config import get_settings
from hotline.dialplan.plan import DialPlan, audit_entry, dialable
from hotline.errors import Conflict, HotlineError, Invalid, NotFound
from hotline.people.models import User
from hotline.store.base import utcnow

SUPERVISE_MODES = ("listen", "whisper", "barge")
log = logging.getLogger(__name__)


class CallControl:
    def __init__(self, center: CenterPort) -> None:
        self.c = center

    @functools.cached_property
    def dial_plan(self) -> DialPlan:
        return DialPlan(get_settings().dial_plan)

    async def answer(self, agent_id: int) -> dict[str, Any]:
        """Answer the ringing call from the console (see `Offers.answer`)."""
        return await self.c.offers.answer(agent_id)

    def request_callback(self, call_id: str, number: str | None = None) -> None:
        """The caller asks to be called back, keeping their place (see `WaitingRoom`)."""
        self.c.waiting.request_callback(call_id, number)

    # --- agent state --------------------------------------------------------------------------

    def login(self, agent_id: int) -> dict[str, Any]:
        self.c.apply(self.c.acd.login(agent_id, self.c.clock()))
        return self.c.views.agent_view(agent_id)

    def logout(self, agent_id: int) -> dict[str, Any]:
        self.c.acd.logout(agent_id, self.c.clock())
        return self.c.views.agent_view(agent_id)

    def sign_out_session(self, agent_id: int) -> dict[str, Any]:
        """The agent's console session ended (sign-out, expiry, browser closed past the grace period):
        leave the queues now, or, in a call, take no new call and leave after this one."""
        agent = self.c.acd.agents.get(agent_id)
        if agent is None or agent.state is AgentState.logged_out:
            return self.c.views.agent_view(agent_id) if agent is not None else {}
        if agent.state in (AgentState.ready, AgentState.not_ready, AgentState.wrap_up):
            return self.logout(agent_id)
        self.c.acd.set_not_ready(agent_id, self.c.clock(), SIGNED_OUT)  # applied when the call ends
        return self.c.views.agent_view(agent_id)

    def ready(self, agent_id: int) -> dict[str, Any]:
        self.c.apply(self.c.acd.set_ready(agent_id, self.c.clock()))
        return self.c.views.agent_view(agent_id)

    def not_ready(self, agent_id: int, reason: str) -> dict[str, Any]:
        self.c.acd.set_not_ready(agent_id, self.c.clock(), reason)
        return self.c.views.agent_view(agent_id)

    def extend_wrap_up(self, agent_id: int, seconds: float) -> dict[str, Any]:
        self.c.acd.extend_wrap_up(agent_id, seconds, self.c.clock())
        return self.c.views.agent_view(agent_id)

    def set_agent_state(self, agent_id: int, state: str, reason: str | None) -> dict[str, Any]:
        """Supervisor: move an agent (not in a call) to ready, not_ready or logged_out."""
        agent = self.c.acd.agent(agent_id)
        if state == AgentState.ready.value:
            return self.login(agent_id) if agent.state is AgentState.logged_out else self.ready(agent_id)
        if state == AgentState.not_ready.value:
            if agent.state is AgentState.logged_out:
                self.login(agent_id)
            return self.not_ready(agent_id, reason or "supervisor")
        if state == AgentState.logged_out.value:
            return self.logout(agent_id)
        raise Invalid(f"cannot set an agent to {state!r}", f"不能把座席设为 {state}")

    # --- the agent's own call -----------------------------------------------------------------

    def _agent_call(self, agent_id: int) -> LiveCall:
        agent = self.c.acd.agent(agent_id)
        live = self.c.live.get(agent.call_id or "")
        if live is None or live.agent_id != agent_id or live.agent_leg is None:
            raise Conflict("the agent has no connected call", "座席当前没有通话")
        return live

    async def hangup(self, agent_id: int) -> dict[str, Any]:
        """Hang up the agent's call; while it is still ringing, decline it (the ACD offers it on,
        and counts a miss as for an unanswered ring)."""
        # An offer is in `ringing` from the moment the ACD made it (`Offers.offered`), its INVITE
        # still on its way or not: declining it then cancels the INVITE as soon as it is out.
        ringing = next((c for c in self.c.live.values() if agent_id in c.ringing), None)
        if ringing is not None:
            leg = ringing.ringing.pop(agent_id)
            if leg.is_active:
                await leg.hangup("declined")
            self.c.offers.no_answer(ringing, agent_id)
            return {"call_id": ringing.uuid, "declined": True}
        live = self._agent_call(agent_id)
        await live.agent_leg.hangup("agent_hangup")  # type: ignore[union-attr]
        return {"call_id": live.uuid}

    async def hold(self, agent_id: int, on: bool) -> dict[str, Any]:
        live = self._agent_call(agent_id)
        if live.caller_leg is None:
            raise Conflict("the call has no caller", "通话没有来电方")
        if on:
            self.c.acd.hold(agent_id, self.c.clock())
            live.call.unbridge(live.caller_leg)
            await live.caller_leg.hold()
        else:
            self.c.acd.unhold(agent_id, self.c.clock())
            await live.caller_leg.unhold()
            live.call.bridge(live.caller_leg, live.agent_leg)
        return self.c.views.agent_view(agent_id)

    async def transfer(self, agent_id: int, kind: str, target: str) -> dict[str, Any]:
        """Blind transfer: the agent leaves, the caller goes to a queue, an extension or a number
        (the role's dial plan is checked by the API, which knows the role)."""
        if kind in ("agent", "external"):
            target = dialable(target)
        live = self._agent_call(agent_id)
        if kind in ("queue", "ivr"):  # refused before the agent's leg is touched
            live.check(CallAction.enqueue if kind == "queue" else CallAction.to_ivr)
        agent_leg = live.agent_leg
        live.call.hangup_bridged_peer = False  # the caller stays when the agent's leg goes
        live.call.unbridge(agent_leg)
        if kind == "queue":
            self.c.acd.queue(target)
            live.move(CallAction.enqueue)
            live.agent_id, live.agent_leg, live.queue = None, None, target
            self.c.apply(self.c.acd.transfer(live.uuid, target, self.c.clock()))
            if live.caller_leg is not None:
                await live.caller_leg.play_moh()
        elif kind == "ivr":
            self.c.apply(self.c.acd.hangup(live.uuid, self.c.clock()))
            live.agent_id, live.agent_leg = None, None
            self.c.spawn(self.c.ivr.resume_ivr(live, target))
        elif kind in ("agent", "external"):
            self.c.apply(self.c.acd.hangup(live.uuid, self.c.clock()))
            live.agent_id, live.agent_leg = None, None
            if kind == "agent":
                self.c.spawn(self._to_colleague(live, target, self._reserve(live, target)))
            else:
                self.c.spawn(self.c.ivr.connect_external(live, target))
        else:
            raise Invalid(f"unknown transfer target kind {kind!r}", f"未知转接类型 {kind}")
        await agent_leg.hangup("transferred")  # type: ignore[union-attr]
        live.call.hangup_bridged_peer = True
        return {"call_id": live.uuid, "transferred_to": {"kind": kind, "target": target}}

    def _reserve(self, live: LiveCall, extension: str) -> int | None:
        """Reserve the agent at `extension` for a transferred call (no queue call meanwhile)."""
        colleague = next((a for a in self.c.acd.agents.values() if a.extension == extension), None)
        if colleague is None or colleague.state not in (AgentState.ready, AgentState.not_ready):
            return None
        self.c.acd.dial(colleague.id, live.uuid, self.c.clock())
        return colleague.id

    async def _to_colleague(self, live: LiveCall, extension: str, colleague: int | None) -> None:
        """Blind transfer to another agent's extension; a reserved colleague becomes the call's
        agent when they answer (and is released if they do not)."""
        leg = await self.c.ivr.connect_external(live, extension)
        if colleague is None:
            return
        if leg is None:
            self.c.apply(self.c.acd.hangup(live.uuid, self.c.clock()))
            return
        try:
            self.c.acd.answer(colleague, live.uuid, self.c.clock())
        except HotlineError:
            return
        live.agent_id, live.agent_leg = colleague, leg

    async def consult(self, agent_id: int, target: str) -> dict[str, Any]:
        """Attended transfer, step 1: the caller holds while the agent talks to the target."""
        target = dialable(target)
        live = self._agent_call(agent_id)
        if live.consult_leg is not None:
            raise Conflict("a consultation is already in progress", "已在咨询中")
        await self.hold(agent_id, True)
        try:
            leg = await self.c.engine.originate(target, call=live.call, caller_id="hotline")
        except (LookupError, OSError) as exc:
            await self.hold(agent_id, False)
            raise NotFound(f"no route to {target}", f"无法呼叫 {target}") from exc
        live.consult_leg = leg
        uuid, leg_id = live.uuid, leg.id
        self.c.writer.submit(
            Op.of(cdr.add_leg, uuid=uuid, leg_uuid=leg_id, role="external", number=target, agent_id=None)
        )
        if not await leg.wait_answered(30):
            live.consult_leg = None
            await leg.hangup("no_answer")
            await self.hold(agent_id, False)
            raise Conflict(f"{target} did not answer", f"{target} 未接听")
        live.call.bridge(live.agent_leg, leg)
        return {"call_id": live.uuid, "consult_leg": leg.id}

    async def complete_transfer(self, agent_id: int) -> dict[str, Any]:
        """Attended transfer, step 2: connect the caller to the target and drop the agent."""
        live = self._agent_call(agent_id)
        leg = live.consult_leg
        if leg is None or live.caller_leg is None:
            raise Conflict("no consultation in progress", "没有进行中的咨询")
        self.c.acd.unhold(agent_id, self.c.clock())
        agent_leg = live.agent_leg
        live.call.hangup_bridged_peer = False
        live.call.unbridge(agent_leg)
        await live.caller_leg.unhold()
        live.call.bridge(live.caller_leg, leg)
        self.c.apply(self.c.acd.hangup(live.uuid, self.c.clock()))
        live.agent_id, live.agent_leg, live.consult_leg = None, leg, None
        await agent_leg.hangup("transferred")  # type: ignore[union-attr]
        live.call.hangup_bridged_peer = True
        return {"call_id": live.uuid, "connected": leg.id}

    async def cancel_consult(self, agent_id: int) -> dict[str, Any]:
        live = self._agent_call(agent_id)
        if live.consult_leg is not None:
            leg, live.consult_leg = live.consult_leg, None
            live.call.unbridge(leg)
            live.call.hangup_bridged_peer = False
            await leg.hangup("consult_cancelled")
            live.call.hangup_bridged_peer = True
        await self.hold(agent_id, False)
        return self.c.views.agent_view(agent_id)

    async def conference(self, agent_id: int) -> dict[str, Any]:
        """Three-way: the caller, the agent and the consulted party all hear each other."""
        live = self._agent_call(agent_id)
        if live.consult_leg is None or live.caller_leg is None:
            raise Conflict("consult someone first", "请先咨询第三方")
        self.c.acd.unhold(agent_id, self.c.clock())
        await live.caller_leg.unhold()
        live.call.join(live.caller_leg, "caller")
        live.call.join(live.agent_leg, "agent")
        live.call.join(live.consult_leg, "third")
        return {"call_id": live.uuid, "conference": True}

    async def dial(self, agent_id: int, number: str) -> dict[str, Any]:
        """Click to dial: ring the agent's phone, then the number, and bridge them."""
        number = dialable(number)
        agent = self.c.acd.agent(agent_id)
        call_id = f"{OUTBOUND_PREFIX}{uuidlib.uuid4().hex[:16]}"
        self.c.acd.dial(agent_id, call_id, self.c.clock(), own=True)
        agent.extra["dialed"] = number
        try:
            agent_leg = await self.c.engine.originate(agent.extension or "", caller_id=number)
        except (LookupError, OSError) as exc:
            self.c.apply(self.c.acd.hangup(call_id, self.c.clock()))
            raise Conflict("the agent's phone is not registered", "座席话机未注册") from exc
        self.c.spawn(self._outbound(agent_id, call_id, agent_leg, number))
        return {"call_id": call_id}

    async def _outbound(self, agent_id: int, call_id: str, agent_leg: LegPort, number: str) -> None:
        if not await agent_leg.wait_answered(30):
            self.c.bus.publish(AgentNotified(agent_id=agent_id, kind="phone_no_answer", number=number))
            await agent_leg.hangup("no_answer")
            self.c.apply(self.c.acd.hangup(call_id, self.c.clock()))
            return
        from hotline.ivr.interpreter import CallerFacts

        live = LiveCall(call_id, agent_leg.call, None, number, CallerFacts(number), state=CallState.dialing)
        live.agent_id, live.agent_leg = agent_id, agent_leg
        # Known by the CDR's id (the agent's call_id: hang-up, hold, marks) and the engine call's.
        self.c.live[call_id] = self.c.live[agent_leg.call.id] = live
        agent_leg_id, ext = agent_leg.id, agent_leg.dialed

        opened = {"direction": "outbound", "caller_number": number, "agent_id": agent_id}
        self.c.writer.submit(Op.of(cdr.open_call, uuid=call_id, started_at=utcnow(), **opened))
        self.c.writer.submit(
            Op.of(
                cdr.add_leg, uuid=call_id, leg_uuid=agent_leg_id, role="agent", number=ext, agent_id=agent_id
            )
        )
        try:
            far = await self.c.engine.originate(number, call=agent_leg.call, caller_id="hotline")
        except (LookupError, OSError) as exc:
            live.outcome = "failed"
            self._notice(agent_id, "dial_failed", number)
            await agent_leg.hangup("unavailable")
            self.c.apply(self.c.acd.hangup(call_id, self.c.clock()))
            log.info("outbound call from agent %s failed: %s", agent_id, type(exc).__name__)
            return
        live.caller_leg = far
        if await far.wait_answered(60) and agent_leg.is_active:
            self.c.acd.answer(agent_id, call_id, self.c.clock())
            live.move(CallAction.connect)
            live.outcome = "answered"
            live.answered_at = at = utcnow()
            far_id = far.id
            # the CDR knows the call was answered (talk time, the agent's figures, reports)
            self.c.writer.submit(Op.of(cdr.update_call, uuid=call_id, answered_at=at))
            self.c.writer.submit(
                Op.of(
                    cdr.add_leg,
                    uuid=call_id,
                    leg_uuid=far_id,
                    role="external",
                    number=number,
                    agent_id=None,
                    at=at,
                )
            )
            agent_leg.call.bridge(far, agent_leg)
            self._record_outbound(live)
        else:
            live.outcome = "no_answer"
            if agent_leg.is_active:  # the agent did not give up first: tell them the far end did not answer
                self._notice(agent_id, "dial_no_answer", number)
            await far.hangup("no_answer")
            await agent_leg.hangup("no_answer")
            self.c.apply(self.c.acd.hangup(call_id, self.c.clock()))

    def _notice(self, agent_id: int, kind: str, number: str) -> None:
        """Tell the agent's console why their outbound call did not happen (it was already accepted)."""
        self.c.bus.publish(AgentNotified(agent_id=agent_id, kind=kind, number=number))

    def _record_outbound(self, live: LiveCall) -> None:
        live.recording = str(live.call.record(metadata={"direction": "outbound", "agent_id": live.agent_id}))

    def callback_target(self, call_id: str, number: str | None) -> tuple[str, str | None]:
        """The number a callback for this waiting call would ring, and the call's queue."""
        live = self.c.live.get(call_id)
        if live is None:
            raise NotFound(f"call {call_id} is not waiting", f"来电 {call_id} 不在排队中")
        return number or live.caller_number, live.queue

    def callback_allowed(self, live: LiveCall, number: str) -> bool:
        """Check a callback against the queue's dial plan just before ringing it, whatever asked
        for it (the API, the caller's key press, an overflow to callback with the caller's own,
        possibly spoofed, number). The attempt is audited either way (`callback_dial`)."""
        decision = self.dial_plan.check_callback(number, live.queue)
        action, after = audit_entry("callback_dial", decision, queue=live.queue)
        # Journaled like the call's records: an attempt made during a database outage stays audited.
        self.c.writer.submit(Op.of(by_center, action=action, entity="call", entity_id=live.uuid, after=after))
        if not decision.allowed:
            log.warning("dial plan refused a callback to %s: %s", decision.masked, decision.reason)
        return decision.allowed

    def pick(self, agent_id: int, call_id: str) -> dict[str, Any]:
        offer = self.c.acd.pick(agent_id, call_id, self.c.clock())
        self.c.apply([offer])
        return {"call_id": call_id, "agent_id": agent_id}

    # --- supervisors --------------------------------------------------------------------------

    def _extension(self, user_id: int) -> str:
        with self.c.db.session() as s:
            ext = s.scalar(select(User.extension).where(User.id == user_id))
        if not ext:
            raise Conflict("you have no phone extension", "您没有分机号")
        return ext

    async def supervise(self, supervisor_id: int, agent_id: int, mode: str) -> dict[str, Any]:
        if mode not in SUPERVISE_MODES:
            raise Invalid(f"mode must be one of {SUPERVISE_MODES}", "监控方式无效")
        live = self._agent_call(agent_id)
        leg = live.supervisors.get(supervisor_id)
        if leg is not None and leg.is_active:
            live.call.set_mode(leg, mode)
            live.supervisor_modes[supervisor_id] = mode
            return {"call_id": live.uuid, "mode": mode}
        ext = self._extension(supervisor_id)
        try:
            leg = await self.c.engine.originate(ext, call=live.call, caller_id=f"{mode}-{agent_id}")
        except (LookupError, OSError) as exc:
            raise Conflict(
                f"your phone (extension {ext}) is not registered: sign in to extension {ext} on a desk "
                "phone or softphone, then try again",
                f"您的话机（分机 {ext}）未注册：请先在话机或软电话上登录分机 {ext}，再监听",
            ) from exc
        if not await leg.wait_answered(30):
            await leg.hangup("no_answer")
            raise Conflict("your phone did not answer", "您的话机未接听")
        live.supervisors[supervisor_id] = leg
        live.supervisor_modes[supervisor_id] = mode
        live.call.join(leg, "supervisor", mode)
        uuid, leg_id = live.uuid, leg.id
        self.c.writer.submit(
            Op.of(
                cdr.add_leg, uuid=uuid, leg_uuid=leg_id, role="supervisor", number=ext, agent_id=supervisor_id
            )
        )
        return {"call_id": live.uuid, "mode": mode, "leg_id": leg.id}

    async def force_hangup(self, call_id: str) -> dict[str, Any]:
        live = next((lc for lc in self.c.live.values() if lc.uuid == call_id), None)
        if live is None:
            raise NotFound(f"no call {call_id} in progress", f"没有进行中的通话 {call_id}")
        live.outcome = "force_hangup"
        if not any(leg.is_active for leg in live.call.legs):
            # a callback still owed: nobody on the line
            self.c.callbacks.end_without_legs(live, "force_hangup")
            return {"call_id": call_id}
        await live.call.hangup("supervisor_hangup")
        return {"call_id": call_id}
