"""The call-center WebSocket: live events and KPIs to consoles, and agent commands back.

Authenticated by the session cookie or `?token=` (a bearer token), and checked here: the socket
needs `calls.control` (agents: own state, own screen pops, call commands) or `kpi.read` /
`calls.supervise` (wallboards and supervisors: all agents, queues, alerts). Each message is
`{"type": topic, "data": payload}` of a catalogued event (docs/events.md); the bus delivers them on
the socket's loop; a slow browser only loses events, never blocks telephony. Phone numbers,
addresses and ID numbers are masked, and health notes left out, for viewers without `pii.read`.
Agents also get the queue events of their own queues (the workspace's waiting list is live), and
everyone the workforce events that change their own schedule (a roster published with a shift
of theirs, a shift or swap or leave of theirs: 我的班次 reloads at once), and
a `bus.resynced` (a node's link to the shared bus came back) sends the whole snapshot again, and
one for a new leader closes the socket (1012) so the console reconnects to its call center; an
agent whose last console socket closes and stays closed for the grace period is signed out of
the queues, so a closed browser does not leave a ready seat that calls ring into.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect

from hotline.acd.ready import Agent
from hotline.analytics.topics import HotspotDetected
from hotline.bus import Bus, Event
from hotline.calls.center import CallCenter
from hotline.calls.topics import (
    AgentNotified,
    AgentScreenPopped,
    AgentStateChanged,
    CdrWritten,
    EmergencyAcknowledged,
    EmergencyConnected,
    EmergencyEnded,
    EmergencyLegChanged,
    EmergencyRaised,
    QueueEventLogged,
    QueuePositionAnnounced,
    VoicemailRecorded,
    VoicemailStarted,
)
from hotline.errors import HotlineError
from hotline.masking import mask_address, mask_id_number, mask_phone
from hotline.redisbus.topics import LEADER_CHANGED, BusResynced
from hotline.satisfaction.topics import DissatisfiedFlagged, FlagAcknowledged, SatisfactionAnswerRecorded
from hotline.sip.topics import SecurityAlertRaised
from hotline.store.db import Database
from hotline.web.auth import COOKIE, Principal, principal_from_credentials
from hotline.workforce.topics import SCHEDULE_TOPICS, schedule_users

KPI_PERIOD = 1.0
PHONE_KEYS = {"caller", "caller_number", "number", "phone", "callback_number"}
ADDRESS_KEYS = {"address", "location", "contact_address"}
HIDDEN_KEYS = {"health_notes"}
AGENT_TOPICS = {AgentStateChanged.TOPIC, AgentScreenPopped.TOPIC, AgentNotified.TOPIC}
AGENT_QUEUE_TOPICS = {QueueEventLogged.TOPIC, QueuePositionAnnounced.TOPIC}
# Seconds an agent may be without a console socket (a reload, a network blip) before sign-out.
PRESENCE_GRACE = 60.0
SUPERVISOR_TOPICS = {AgentStateChanged.TOPIC, AgentScreenPopped.TOPIC, *AGENT_QUEUE_TOPICS}
SUPERVISOR_TOPICS |= {VoicemailStarted.TOPIC, VoicemailRecorded.TOPIC, CdrWritten.TOPIC}
SUPERVISOR_TOPICS |= {EmergencyRaised.TOPIC, EmergencyConnected.TOPIC, EmergencyLegChanged.TOPIC}
SUPERVISOR_TOPICS |= {EmergencyAcknowledged.TOPIC, EmergencyEnded.TOPIC}
# The agent on an emergency call follows its fan-out (120, family) in the workspace banner.
AGENT_CALL_TOPICS = {EmergencyLegChanged.TOPIC, EmergencyConnected.TOPIC}
SUPERVISOR_TOPICS |= {SecurityAlertRaised.TOPIC}  # e.g. a source locked out for guessing SIP passwords
SUPERVISOR_TOPICS |= {HotspotDetected.TOPIC}  # a new 热点 among the work orders
# 不满意 answers pop up for the shift lead (and go when one of them handles it); each answer
# refreshes the wallboard's 满意率 per agent.
SUPERVISOR_TOPICS |= {DissatisfiedFlagged.TOPIC, FlagAcknowledged.TOPIC, SatisfactionAnswerRecorded.TOPIC}


def principal_for(db: Database, token: str | None, cookie: str | None) -> Principal | None:
    with db.session() as s:
        return principal_from_credentials(s, token, cookie)


def _masked(key: str, value: Any) -> Any:
    if key in HIDDEN_KEYS:
        return None
    if key == "numbers" and isinstance(value, list):  # an emergency alert's family phones
        return [mask_phone(v) if isinstance(v, str) else v for v in value]
    if isinstance(value, str):
        if key in PHONE_KEYS:
            return mask_phone(value)
        if key in ADDRESS_KEYS:
            return mask_address(value)
        if key == "id_number":
            return mask_id_number(value)
        return value
    return mask(value, False)


def mask(data: Any, pii: bool) -> Any:
    """Events and results as a viewer without `pii.read` may see them: phones, addresses and ID
    numbers masked, health notes left out (a screen pop carries all of them)."""
    if pii:
        return data
    if isinstance(data, dict):
        return {k: _masked(k, v) for k, v in data.items()}
    if isinstance(data, list):
        return [mask(v, pii) for v in data]
    return data


def visible(event: Event, principal: Principal, agent: Agent | None = None) -> bool:
    """May this viewer see this event? `agent`: the viewer as the ACD knows them (queues, call)."""
    if event.topic in SCHEDULE_TOPICS:  # a roster, shift, swap or leave of the viewer's own
        return principal.user_id in schedule_users(event.data)
    supervisor = principal.can("calls.supervise") or (
        principal.can("kpi.read") and not principal.can("calls.control")
    )
    if supervisor:
        return event.topic in SUPERVISOR_TOPICS
    if event.topic in AGENT_QUEUE_TOPICS:
        return agent is not None and event.data.get("queue") in agent.skills
    if event.topic in AGENT_CALL_TOPICS:
        return agent is not None and agent.call_id is not None and event.data.get("call_id") == agent.call_id
    return event.topic in AGENT_TOPICS and event.data.get("agent_id") == principal.user_id


class Presence:
    """Open console sockets per agent; the last one closing starts the sign-out grace timer."""

    def __init__(self) -> None:
        self.sockets: dict[int, int] = {}
        self.timers: dict[int, asyncio.TimerHandle] = {}

    def opened(self, agent_id: int) -> None:
        self.sockets[agent_id] = self.sockets.get(agent_id, 0) + 1
        timer = self.timers.pop(agent_id, None)
        if timer is not None:
            timer.cancel()

    def closed(self, agent_id: int, center: CallCenter, grace: float) -> None:
        self.sockets[agent_id] = self.sockets.get(agent_id, 1) - 1
        if self.sockets[agent_id] > 0 or center.loop is None:
            return
        del self.sockets[agent_id]

        def expire() -> None:
            self.timers.pop(agent_id, None)
            if agent_id not in self.sockets and agent_id in center.acd.agents:
                center.control.sign_out_session(agent_id)

        self.timers[agent_id] = center.loop.call_later(grace, expire)


presence = Presence()


async def command(center: CallCenter, principal: Principal, msg: dict[str, Any]) -> Any:
    if not principal.can("calls.control"):
        raise HotlineError("commands need calls.control", "无话务控制权限")
    op, me = msg.get("op"), principal.user_id
    ops: dict[str, Any] = {
        "login": lambda: center.control.login(me),
        "logout": lambda: center.control.logout(me),
        "ready": lambda: center.control.ready(me),
        "not_ready": lambda: center.control.not_ready(me, str(msg.get("reason") or "busy")),
        "hangup": lambda: center.control.hangup(me),
        "hold": lambda: center.control.hold(me, bool(msg.get("on", True))),
        "pick": lambda: center.control.pick(me, str(msg.get("call_id"))),
    }
    if op not in ops:
        raise HotlineError(f"unknown op {op!r}", f"未知操作 {op}")
    return await center.run(ops[str(op)])


async def serve(
    websocket: WebSocket,
    db: Database,
    token: str | None,
    center: CallCenter | None,
    bus: Bus,
    grace: float = PRESENCE_GRACE,
    kpis: bool = True,
) -> None:
    """One console's socket; `center` is the running call center (None without telephony), `bus`
    the process's bus (the center's own when it runs). `kpis=False`: a socket that only wants
    events (the 不满意 pop-up beside a page's own socket) is spared the KPIs every second."""
    principal = principal_for(db, token, websocket.cookies.get(COOKIE))
    if principal is None:
        await websocket.close(code=4401)
        return
    if principal.must_change_password:  # like every other route until the user sets their own
        await websocket.close(code=4403)
        return
    if not any(principal.can(p) for p in ("calls.control", "kpi.read", "calls.supervise")):
        await websocket.close(code=4403)
        return
    await websocket.accept()
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[Event] = asyncio.Queue(maxsize=1000)

    uid = principal.user_id
    is_agent = center is not None and principal.can("calls.control") and uid in center.acd.agents
    if is_agent and center is not None:
        await center.run(lambda: presence.opened(uid))

    def forward(event: Event) -> None:  # on this socket's loop (the bus hops to it)
        agent = center.acd.agents.get(uid) if is_agent and center else None
        if event.topic == BusResynced.TOPIC or visible(event, principal, agent):
            _offer(inbox, event)

    if center is not None:
        bus = center.bus
    unsubscribe = bus.subscribe("*", forward, remote=True)  # every node's events
    reader: asyncio.Future[str] | None = None
    getter: asyncio.Future[Event] | None = None
    try:
        await websocket.send_json(await snapshot(center, principal, kpis))
        reader = asyncio.ensure_future(websocket.receive_text())
        last_kpi = loop.time()
        while True:
            getter = asyncio.ensure_future(inbox.get())
            done, _ = await asyncio.wait(
                {reader, getter}, timeout=KPI_PERIOD, return_when=asyncio.FIRST_COMPLETED
            )
            if getter in done:
                event = getter.result()
                if event.topic == BusResynced.TOPIC and event.data.get("reason") == LEADER_CHANGED:
                    # A new leader: this socket may predate its call center. 1012 "service
                    # restart": the console reconnects by itself (no reload) and gets it.
                    await websocket.close(code=1012)
                    return
                if event.topic == BusResynced.TOPIC:
                    # Events may have been lost while a node was cut off from the bus: start afresh.
                    await websocket.send_json(await snapshot(center, principal, kpis))
                else:
                    await websocket.send_json({"type": event.topic, "data": mask(event.data, principal.pii)})
            else:
                getter.cancel()
            if reader in done:
                await websocket.send_json(await _handle(center, principal, reader.result()))
                reader = asyncio.ensure_future(websocket.receive_text())
            # KPIs once a second even while events stream in (a busy wallboard must not go stale).
            if kpis and center and principal.can("kpi.read") and loop.time() - last_kpi >= KPI_PERIOD:
                last_kpi = loop.time()
                await websocket.send_json({"type": "kpis", "data": await center.run(center.views.kpis)})
    except WebSocketDisconnect:
        pass
    finally:
        unsubscribe()
        if is_agent and center is not None and center.loop is not None:
            with contextlib.suppress(RuntimeError):  # the center's loop already closed at shutdown
                center.loop.call_soon_threadsafe(presence.closed, uid, center, grace)
        for task in (reader, getter):
            if task is not None and not task.done():
                task.cancel()


def _offer(inbox: asyncio.Queue[Event], event: Event) -> None:
    with contextlib.suppress(asyncio.QueueFull):
        inbox.put_nowait(event)


async def _handle(center: CallCenter | None, principal: Principal, text: str) -> dict[str, Any]:
    try:
        msg = json.loads(text)
        if not isinstance(msg, dict):
            raise ValueError
    except ValueError:
        return {"type": "error", "detail": 'send JSON objects like {"op": "ready"}'}
    if center is None:
        return {"type": "error", "detail": "the call center is not running", "detail_zh": "呼叫中心未运行"}
    try:
        result = await command(center, principal, msg)
    except HotlineError as exc:
        return {"type": "error", "op": msg.get("op"), "detail": exc.detail, "detail_zh": exc.detail_zh}
    return {"type": "result", "op": msg.get("op"), "data": mask(result, principal.pii)}


async def snapshot(center: CallCenter | None, principal: Principal, kpis: bool = True) -> dict[str, Any]:
    if center is None:
        return {"type": "snapshot", "running": False}
    data: dict[str, Any] = {"running": True}
    if kpis and principal.can("kpi.read"):
        data["kpis"] = await center.run(center.views.kpis)
    if principal.can("calls.supervise") or principal.can("kpi.read"):
        data["agents"] = await center.run(center.views.agents_view)
    if principal.can("calls.control") and principal.user_id in center.acd.agents:
        data["me"] = await center.run(lambda: center.views.agent_view(principal.user_id))
    if principal.can("calls.supervise") or principal.can("kpi.read"):
        data["emergencies"] = await center.run(center.alerts.view)  # a reloaded wallboard keeps them
    return {"type": "snapshot", "data": mask(data, principal.pii)}
