"""Offers: ringing agents' phones for a queued call, answering from the console, connecting.

The ACD's `Offer` names the agents to ring; each gets an INVITE on every registered contact of
their extension at once (desk phone and softphone: the first to answer wins, the others are
CANCELled; a callback offer rings the agent first, then dials the caller back). The first answer
connects: the caller is bridged to the agent (joined, for an emergency fan-out) and the call
recorded. No answer within the queue's ring timeout gives the offer back to the ACD. An agent can
also answer from the console (`answer`): see its docstring.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from hotline.acd.engine import Acd, Offer
from hotline.acd.states import AgentState
from hotline.calls import cdr
from hotline.calls.host import CenterPort
from hotline.calls.live import CallAction, LiveCall
from hotline.calls.ops import Op
from hotline.calls.telephony import EnginePort, LegPort
from hotline.calls.writer import Writer
from hotline.errors import Conflict, HotlineError
from hotline.store.base import utcnow

log = logging.getLogger(__name__)
# How long a phone asked to answer by itself (console answer) may take before the offer fails.
AUTO_ANSWER_SECONDS = 8.0


class _Pending:
    """Stands in ``LiveCall.ringing`` while a console answer replaces the ringing leg."""

    is_active = False

    async def hangup(self, cause: str = "normal") -> None:
        return None


class Inviting:
    """Stands in ``LiveCall.ringing`` from the ACD's offer until the agent's INVITEs are out.

    Recorded synchronously when the offer is applied, so a decline from the console (or the ACD
    taking the offer back) in that window finds the offer like a ringing phone; the cause is kept
    and the phones are hung up with it as soon as their INVITEs return."""

    is_active = True  # what will ring the agent is still on its way

    def __init__(self) -> None:
        self.cause: str | None = None

    async def hangup(self, cause: str = "normal") -> None:
        self.cause = self.cause or cause


class Ringing:
    """The INVITEs ringing every registered phone of one agent for one offer (desk phone and
    softphone at once): the first to answer wins, the others are CANCELled. Stands in
    ``LiveCall.ringing`` like one leg (``is_active``, ``hangup``)."""

    def __init__(self, legs: list[LegPort], mobile: str | None = None) -> None:
        self.legs = legs
        self.mobile = mobile  # the id of the leg ringing the agent's mobile (remote duty)

    @property
    def is_active(self) -> bool:
        return any(leg.is_active for leg in self.legs)

    async def hangup(self, cause: str = "normal") -> None:
        for leg in self.legs:
            if leg.is_active:
                await leg.hangup(cause)

    async def first_answered(self, timeout: float) -> LegPort | None:
        """The phone that answered first (the others are cancelled), or None: nobody answered
        within `timeout`, or every INVITE ended (declined, withdrawn)."""
        waits = {asyncio.ensure_future(leg.wait_answered(timeout)): leg for leg in self.legs}
        winner, pending = None, set(waits)
        while pending and winner is None:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            winner = next((waits[t] for t in done if t.result()), None)
        for task in pending:
            task.cancel()
        if winner is not None:
            for leg in self.legs:
                if leg is not winner and leg.is_active:
                    await leg.hangup("answered_elsewhere")
        return winner


class Offers:
    """Ringing agents for the ACD's offers and connecting the first to answer (`CallCenter.offers`)."""

    def __init__(self, center: CenterPort) -> None:
        self.center = center
        self.engine: EnginePort = center.engine
        self.acd: Acd = center.acd
        self.live: dict[str, LiveCall] = center.live
        self.clock: Callable[[], float] = center.clock
        self.writer: Writer = center.writer

    def offered(self, offer: Offer) -> None:
        """The ACD offered a call: record the offer to each agent now, before any await (a
        decline may come before the INVITEs are out), then ring their phones."""
        live = self.live.get(offer.call_id)
        invitations = {agent_id: Inviting() for agent_id in offer.agent_ids}
        if live is not None:
            live.ringing.update(invitations)
        self.center.spawn(self._offer(offer, invitations))

    async def _offer(self, offer: Offer, invitations: dict[int, Inviting]) -> None:
        live = self.live.get(offer.call_id)
        if live is None:
            with contextlib.suppress(HotlineError):
                self.acd.abandon(offer.call_id, self.clock())
            return
        if offer.callback and not self.center.waiting.callback_routable(live):
            self.center.waiting.callback_unroutable(live)  # no agent is rung for a call that cannot be placed
            return
        live.move(CallAction.offer)
        for agent_id, inviting in invitations.items():
            self.center.spawn(self._ring_agent(live, agent_id, offer, inviting))
        self.center.spawn(self.center.screen_pop(live, offer.agent_ids))

    async def _call_agent(
        self,
        live: LiveCall,
        agent_id: int,
        callback: bool,
        headers: tuple[tuple[str, str], ...] = (),
        call: Any = None,
        binding: Any = None,
    ) -> LegPort:
        """INVITE the agent's phone for this offer: on the caller's call, or (a callback) on a new
        one; `binding` picks one of the extension's registered contacts (else the newest)."""
        return await self.engine.originate(
            self.acd.agents[agent_id].extension or "",
            call=call if callback else live.call,
            caller_id="callback" if callback else (live.caller_number or "anonymous"),
            headers=headers,
            binding=binding,
        )

    async def _call_phones(self, live: LiveCall, agent_id: int, callback: bool) -> Ringing:
        """INVITE every registered contact of the agent's extension at once, and on remote duty
        their mobile through the trunk (not for a callback: that rings the agent first on a call
        of its own)."""
        contacts = list(self.engine.contacts(self.acd.agents[agent_id].extension or ""))
        mobile = None if callback else self.center.diversions.mobile_for(agent_id)
        if mobile:
            return await self._call_remote(live, agent_id, contacts, mobile)
        if len(contacts) <= 1:
            return Ringing([await self._call_agent(live, agent_id, callback)])
        legs: list[LegPort] = []
        for binding in contacts:
            call = legs[0].call if legs else None  # a callback's phones share its new call
            try:
                legs.append(await self._call_agent(live, agent_id, callback, call=call, binding=binding))
            except (LookupError, OSError) as exc:
                log.info("agent %s: contact %s unreachable: %s", agent_id, binding, exc)
        if not legs:
            raise LookupError(f"no contact of agent {agent_id} is reachable")
        return Ringing(legs)

    async def _call_remote(self, live: LiveCall, agent_id: int, contacts: list[Any], mobile: str) -> Ringing:
        """Remote duty: the agent's registered phones (if any) and their mobile at once."""
        legs: list[LegPort] = []
        for binding in contacts:
            try:
                legs.append(await self._call_agent(live, agent_id, False, binding=binding))
            except (LookupError, OSError) as exc:
                log.info("agent %s: contact %s unreachable: %s", agent_id, binding, exc)
        mobile_leg = None
        try:
            caller_id = live.caller_number or "anonymous"
            mobile_leg = await self.engine.originate(mobile, call=live.call, caller_id=caller_id)
            legs.append(mobile_leg)
        except (LookupError, OSError) as exc:
            log.info("agent %s: mobile unreachable through the trunk: %s", agent_id, exc)
        if not legs:
            raise LookupError(f"neither a phone nor the mobile of agent {agent_id} is reachable")
        return Ringing(legs, mobile_leg.id if mobile_leg is not None else None)

    def _agent_leg_rings(self, live: LiveCall, agent_id: int, ringing: Ringing) -> None:
        """``ringing`` is now what rings the agent for ``live``: remember it, its legs in the CDR
        (a mobile rung on remote duty as `agent_mobile`, with its number)."""
        live.ringing[agent_id] = ringing
        uuid, ext = live.uuid, self.acd.agents[agent_id].extension
        at = utcnow()
        for leg in ringing.legs:
            mobile = leg.id == ringing.mobile
            role, number = ("agent_mobile", leg.dialed) if mobile else ("agent", ext)
            self.writer.submit(
                Op.of(
                    cdr.add_leg,
                    uuid=uuid,
                    leg_uuid=leg.id,
                    role=role,
                    number=number,
                    agent_id=agent_id,
                    at=at,
                )
            )

    async def _ring_agent(self, live: LiveCall, agent_id: int, offer: Offer, inviting: Inviting) -> None:
        callback = offer.callback and live.callback_number is not None
        try:
            ringing = await self._call_phones(live, agent_id, callback)
        except (LookupError, OSError) as exc:
            log.info("agent %s has no reachable phone: %s", agent_id, exc)
            if live.ringing.get(agent_id) is inviting:
                live.ringing.pop(agent_id, None)
                self.no_answer(live, agent_id)
            return
        if live.ringing.get(agent_id) is not inviting:
            # declined from the console, or withdrawn, while the INVITE was on its way
            await ringing.hangup(inviting.cause or "cancelled")
            return
        live.ringing_callback[agent_id] = callback
        self._agent_leg_rings(live, agent_id, ringing)
        timeout = self.acd.queues[offer.queue].config.ring_timeout_seconds + 2
        await self._await_agent(live, agent_id, ringing, callback, timeout)

    async def _await_agent(
        self, live: LiveCall, agent_id: int, ringing: Ringing, callback: bool, timeout: float
    ) -> None:
        """Wait for one of the agent's phones to answer; connect it, or give the offer back."""
        leg = await ringing.first_answered(timeout)
        if id(live.ringing.get(agent_id)) != id(ringing):  # withdrawn, or re-sent by a console answer
            if ringing.is_active:
                await ringing.hangup("cancelled")
            return
        live.ringing.pop(agent_id, None)
        if leg is None:
            if ringing.is_active:
                await ringing.hangup("no_answer")
            self.no_answer(live, agent_id)
            return
        if callback:
            await self.center.waiting.connect_callback(live, agent_id, leg)
            return
        if live.caller_leg is None or not live.caller_leg.is_active:
            await leg.hangup("caller_gone")
            return
        self._connected(live, agent_id, leg)

    async def answer(self, agent_id: int) -> dict[str, Any]:
        """Answer from the console: the ringing phone is called again with auto-answer headers.

        A SIP phone cannot be made to pick up a call it is ringing with, so the ringing INVITE is
        cancelled and a new one asks the phone to answer by itself (intercom: ``Call-Info:
        answer-after=0``, ``Alert-Info: info=alert-autoanswer``, RFC 5373 ``Answer-Mode: Auto``),
        which desk phones and softphones honour for their own call server. The offer, the
        caller's place and the agent's ringing state stay as they are meanwhile.
        """
        live = next((c for c in self.live.values() if agent_id in c.ringing), None)
        if live is None:
            raise Conflict("no call is ringing for this agent", "当前没有振铃的来电")
        old = live.ringing[agent_id]
        if isinstance(old, Inviting):  # its INVITE is not out yet: nothing rings to pick up
            raise Conflict("no call is ringing for this agent", "当前没有振铃的来电")
        if isinstance(old, _Pending) or agent_id in live.answering:
            return self.center.views.agent_view(agent_id)  # a second press while the phone is being asked
        callback = live.ringing_callback.get(agent_id, False)
        host = getattr(self.engine, "host", "localhost")
        headers = (
            ("Call-Info", f"<sip:{host}>;answer-after=0"),
            ("Alert-Info", f"<sip:{host}>;info=alert-autoanswer"),
            ("Answer-Mode", "Auto"),
        )
        # The ACD's ring timer must not cut the phone off while it is being asked to pick up.
        self.acd.extend_ring(agent_id, live.uuid, self.clock() + AUTO_ANSWER_SECONDS + 1)
        # Swap first, so the waiter of the ringing leg gives up quietly instead of reporting a
        # no-answer; then free the phone's line before asking it to pick up.
        pending = _Pending()
        live.ringing[agent_id] = pending
        if old.is_active:
            await old.hangup("cancelled")
        try:
            leg = await self._call_agent(live, agent_id, callback, headers)
        except (LookupError, OSError) as exc:
            if live.ringing.get(agent_id) is pending:
                live.ringing.pop(agent_id, None)
                self.no_answer(live, agent_id)
            raise Conflict(f"the agent's phone is not reachable: {exc}", "座席话机不可达") from exc
        if live.ringing.get(agent_id) is not pending:  # the offer was withdrawn meanwhile
            await leg.hangup("cancelled")
            return self.center.views.agent_view(agent_id)
        ringing = Ringing([leg])  # one phone (the newest) is asked to pick up by itself
        self._agent_leg_rings(live, agent_id, ringing)
        live.answering.add(agent_id)
        self.center.spawn(self._auto_answered(live, agent_id, ringing, callback))
        return self.center.views.agent_view(agent_id)

    async def _auto_answered(self, live: LiveCall, agent_id: int, ringing: Ringing, callback: bool) -> None:
        try:
            await self._await_agent(live, agent_id, ringing, callback, AUTO_ANSWER_SECONDS)
        finally:
            live.answering.discard(agent_id)

    def no_answer(self, live: LiveCall, agent_id: int) -> None:
        agent = self.acd.agents[agent_id]
        if agent.state is AgentState.ringing and agent.call_id == live.uuid:
            with contextlib.suppress(HotlineError):
                self.center.apply(self.acd.no_answer(agent_id, live.uuid, self.clock()))

    def _connected(self, live: LiveCall, agent_id: int, leg: LegPort) -> None:
        now = self.clock()
        try:
            live.check(CallAction.connect)
            actions = self.acd.answer(agent_id, live.uuid, now)
        except HotlineError:
            self.center.spawn(leg.hangup("cancelled"))
            return
        live.move(CallAction.connect)
        live.agent_id, live.agent_leg = agent_id, leg
        assert live.caller_leg is not None
        live.caller_leg.stop_playback()
        if live.outcome == "emergency":
            live.call.join(leg, "agent")  # three-way with the caller and whoever answered the fan-out
        else:
            live.call.bridge(live.caller_leg, leg)
            self.center.keep_caller_after_agent(live, leg)
        self.center.record(live)
        at, uuid, leg_id = utcnow(), live.uuid, leg.id
        wait = round((at - live.queued_at).total_seconds(), 3) if live.queued_at else None
        fields: dict[str, Any] = {"agent_id": agent_id}
        if live.answered_at is None:  # else the emergency fan-out answered it first: that counts
            fields |= {"answered_at": at, "wait_seconds": wait}
            live.answered_at = at
        if live.outcome != "emergency":
            live.outcome = "answered"

        self.writer.submit(Op.of(cdr.update_call, uuid=uuid, **fields))
        self.writer.submit(Op.of(cdr.leg_update, leg_uuid=leg_id, answered_at=at))
        self.center.apply(actions)
        self.center.agent_connected(live)
