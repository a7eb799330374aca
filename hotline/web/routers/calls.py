"""Calls over HTTP: agent call control (CTI), supervisor actions, live views and KPIs, marks on a
call in progress, and the live WebSocket at /api/calls/ws (records: `call_records.py`).

Call control needs the running call center (`hotline serve` starts it with the telephony engine);
without it those endpoints answer 409. Numbers to ring pass the dial plan (`dialplan/plan.py`):
refused ones answer 403 `number_refused`. Dials, consults, transfers, callbacks (allowed or
refused) and supervisor actions are audited.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any, NoReturn

from fastapi import APIRouter, Depends, Path, WebSocket
from sqlalchemy.orm import Session

from hotline.calls import cdr, control_audit, marks
from hotline.calls.center import CallCenter
from hotline.calls.schemas import (
    AcknowledgedOut,
    AgentStateIn,
    AgentTodayOut,
    AgentViewOut,
    CallbackIn,
    CallbackOut,
    CallRefOut,
    ConferenceOut,
    ConsultCompleteOut,
    ConsultIn,
    ConsultOut,
    DialIn,
    DispositionIn,
    DispositionOut,
    EmergencyAlertOut,
    HangupOut,
    HoldIn,
    KpiOut,
    LiveCallOut,
    MarkIn,
    MarkOut,
    NotReadyIn,
    PickIn,
    PickOut,
    ScreenPopOut,
    SuperviseIn,
    SuperviseOut,
    TransferIn,
    TransferOut,
    WaitingCallOut,
    WrapUpExtendIn,
)
from hotline.calls.views import agent_today
from hotline.dialplan.plan import Decision, center_extensions
from hotline.errors import Forbidden
from hotline.store.db import Database
from hotline.web import live as live_ws
from hotline.web.auth import Principal, require
from hotline.web.deps import DbDep, SessionDep, SettingsDep
from hotline.web.services import BusDep, CenterDep, OptionalCenterDep

router = APIRouter(prefix="/api/calls", tags=["calls"])
Result = dict[str, Any]
CallsControl = Annotated[Principal, Depends(require("calls.control"))]
CallsRead = Annotated[Principal, Depends(require("calls.read"))]
CallsSupervise = Annotated[Principal, Depends(require("calls.supervise"))]
KpiRead = Annotated[Principal, Depends(require("kpi.read"))]


def _typed(model: Any, **options: Any) -> dict[str, Any]:
    """Every answer is typed (`calls/schemas.py`) and passed through as the call center gave it:
    keys it did not set stay out (exclude_unset), so the models document the answers, unchanged."""
    return {"response_model": model, "response_model_exclude_unset": True, **options}


async def _run(c: CallCenter, fn: Callable[[], Any], masked: bool = False, pii: bool = True) -> Any:
    """`fn` on the call center's loop (requests run on the server's; the center may run elsewhere)."""
    result = await c.run(fn)
    return live_ws.mask(result, pii) if masked else result


# --- the agent's own state and call ------------------------------------------------------------


@router.get("/agent/me", **_typed(AgentViewOut))
async def me(p: CallsControl, c: CenterDep) -> Result:
    return await _run(c, lambda: c.views.agent_view(p.user_id))


@router.get("/agent/pop", **_typed(ScreenPopOut))
async def my_screen_pop(p: CallsControl, c: CenterDep) -> Result:
    """The last screen pop of this agent (a console reloaded during a call or wrap-up shows it again)."""
    return await _run(c, lambda: c.last_pop.get(p.user_id) or {}, masked=True, pii=p.pii)


@router.post("/agent/login", **_typed(AgentViewOut))
async def login(p: CallsControl, c: CenterDep) -> Result:
    return await _run(c, lambda: c.control.login(p.user_id))


@router.post("/agent/logout", **_typed(AgentViewOut))
async def logout(p: CallsControl, c: CenterDep) -> Result:
    return await _run(c, lambda: c.control.logout(p.user_id))


@router.post("/agent/disposition", **_typed(DispositionOut))
def disposition(body: DispositionIn, p: CallsControl, c: OptionalCenterDep, session: SessionDep) -> Result:
    """通话小结 for a call that needs no work order: the agent's current call, or the one named."""
    agent = c.acd.agents.get(p.user_id) if c is not None else None
    call_id = body.call_id or (agent.call_id if agent is not None else None)
    return cdr.record_disposition(session, p.actor, p.user_id, body.code, body.note, call_id)


@router.post("/agent/wrap-up/extend", **_typed(AgentViewOut))
async def extend_wrap_up(body: WrapUpExtendIn, p: CallsControl, c: CenterDep) -> Result:
    """More time for the notes after a call (the agent stays out of the queues meanwhile)."""
    return await _run(c, lambda: c.control.extend_wrap_up(p.user_id, body.seconds))


@router.get("/agent/today", **_typed(AgentTodayOut))
def my_day(p: CallsControl, session: SessionDep, settings: SettingsDep) -> Result:
    """The agent's own figures for today (local day): calls answered, talk time, average."""
    return agent_today(session, p.user_id, settings.timezone)


@router.post("/agent/ready", **_typed(AgentViewOut))
async def ready(p: CallsControl, c: CenterDep) -> Result:
    return await _run(c, lambda: c.control.ready(p.user_id))


@router.post("/agent/not-ready", **_typed(AgentViewOut))
async def not_ready(body: NotReadyIn, p: CallsControl, c: CenterDep) -> Result:
    return await _run(c, lambda: c.control.not_ready(p.user_id, body.reason))


@router.post("/agent/answer", **_typed(AgentViewOut))
async def answer(p: CallsControl, c: CenterDep) -> Result:
    """Answer the call ringing for this agent from the console: the phone is asked to pick up by itself."""
    return await _run(c, lambda: c.control.answer(p.user_id))


@router.post("/agent/hangup", **_typed(HangupOut))
async def hangup(p: CallsControl, c: CenterDep) -> Result:
    return await _run(c, lambda: c.control.hangup(p.user_id))


@router.post("/agent/hold", **_typed(AgentViewOut))
async def hold(body: HoldIn, p: CallsControl, c: CenterDep) -> Result:
    return await _run(c, lambda: c.control.hold(p.user_id, body.on))


async def _refuse(db: Database, p: Principal, action: str, decision: Decision, **data: Any) -> NoReturn:
    """Audit a refused attempt in its own transaction (the request's rolls back with the error),
    then answer 403 `number_refused`."""
    call_id = data.pop("call_id", None)
    await asyncio.to_thread(control_audit.refused, db, p.actor, action, decision, call_id, **data)
    raise decision.error()


async def _plan(
    c: CallCenter, session: Session, db: Database, p: Principal, action: str, target: str, **data: Any
) -> Decision:
    """The role's dial plan for a number a user asks to ring (dial, consult, transfer): the allowed
    decision, or the refusal audited and raised."""
    plan = c.control.dial_plan
    extensions = await asyncio.to_thread(center_extensions, session)
    only = data.get("kind") == "agent"
    decision = plan.check(target, p.role.value, extensions, extension_only=only)
    if not decision.allowed:
        await _refuse(db, p, action, decision, **data)
    return decision


@router.post("/agent/transfer", **_typed(TransferOut))
async def transfer(body: TransferIn, p: CallsControl, c: CenterDep, session: SessionDep, db: DbDep) -> Result:
    """Blind transfer to a queue, an agent's extension, an IVR node ("node" or "flow:node") or a
    number the dial plan allows for your role; never to a SIP URI. Audited, refusals too."""
    kind, target = body.kind, body.target
    decision = (
        await _plan(c, session, db, p, "transfer", target, kind=kind)
        if kind in ("agent", "external")
        else None
    )
    if decision is not None:
        target = decision.number
    result: Result = await _run(c, lambda: c.control.transfer(p.user_id, kind, target))
    if decision is not None:
        control_audit.dialled(session, p.actor, "transfer", decision, result.get("call_id"), kind=kind)
    else:
        control_audit.transferred(session, p.actor, result.get("call_id"), kind, target)
    return result


@router.post("/agent/consult", **_typed(ConsultOut))
async def consult(body: ConsultIn, p: CallsControl, c: CenterDep, session: SessionDep, db: DbDep) -> Result:
    """Attended transfer, step 1: hold the caller and ring the target (dial plan as for a dial)."""
    decision = await _plan(c, session, db, p, "consult", body.target)
    result: Result = await _run(c, lambda: c.control.consult(p.user_id, decision.number))
    control_audit.dialled(session, p.actor, "consult", decision, result.get("call_id"))
    return result


@router.post("/agent/consult/complete", **_typed(ConsultCompleteOut))
async def consult_complete(p: CallsControl, c: CenterDep) -> Result:
    return await _run(c, lambda: c.control.complete_transfer(p.user_id))


@router.post("/agent/consult/cancel", **_typed(AgentViewOut))
async def consult_cancel(p: CallsControl, c: CenterDep) -> Result:
    return await _run(c, lambda: c.control.cancel_consult(p.user_id))


@router.post("/agent/conference", **_typed(ConferenceOut))
async def conference(p: CallsControl, c: CenterDep) -> Result:
    return await _run(c, lambda: c.control.conference(p.user_id))


@router.post("/agent/dial", **_typed(CallRefOut))
async def dial(body: DialIn, p: CallsControl, c: CenterDep, session: SessionDep, db: DbDep) -> Result:
    """Click to dial: the agent's phone rings first, then the number, if the dial plan allows it
    for your role (403 `number_refused` otherwise). Audited, refusals too."""
    decision = await _plan(c, session, db, p, "dial", body.number)
    result: Result = await _run(c, lambda: c.control.dial(p.user_id, decision.number))
    control_audit.dialled(session, p.actor, "dial", decision, result.get("call_id"))
    return result


@router.post("/agent/pick", **_typed(PickOut))
async def pick(body: PickIn, p: CallsControl, c: CenterDep) -> Result:
    """Queue view: take a waiting call out of turn."""
    return await _run(c, lambda: c.control.pick(p.user_id, body.call_id))


@router.post("/callback", **_typed(CallbackOut))
async def callback(body: CallbackIn, p: CallsControl, c: CenterDep, session: SessionDep, db: DbDep) -> Result:
    """Register a callback for a waiting caller: they keep their place and may hang up. The number
    (theirs unless given) must be one the queue's callback dial plan allows. Audited."""
    number, queue = await _run(c, lambda: c.control.callback_target(body.call_id, body.number))
    decision = c.control.dial_plan.check_callback(number, queue)
    if not decision.allowed:
        await _refuse(db, p, "callback", decision, call_id=body.call_id, queue=queue)
    await _run(c, lambda: c.control.request_callback(body.call_id, decision.number))
    control_audit.dialled(session, p.actor, "callback", decision, body.call_id, queue=queue)
    return {"call_id": body.call_id, "callback": True}


# --- live views and KPIs --------------------------------------------------------------------------


@router.get("/queues/{queue}/waiting", **_typed(list[WaitingCallOut]))
async def waiting(queue: str, p: CallsControl, c: CenterDep) -> list[Result]:
    return await _run(c, lambda: c.views.queue_view(queue), masked=True, pii=p.pii)


@router.get("/agents", **_typed(list[AgentViewOut]))
async def agents(p: CallsRead, c: CenterDep) -> list[Result]:
    return await _run(c, lambda: c.views.agents_view())


@router.get("/live", **_typed(list[LiveCallOut]))
async def live(p: CallsRead, c: CenterDep) -> list[Result]:
    return await _run(c, lambda: c.views.calls_view(), masked=True, pii=p.pii)


@router.get("/kpis", **_typed(dict[str, KpiOut]))
async def kpis(p: KpiRead, c: CenterDep) -> Result:
    """Live KPIs per queue and for the center ("*"), computed incrementally from the queue log."""
    return await _run(c, lambda: c.views.kpis())


# --- supervisors --------------------------------------------------------------------------------


@router.post("/supervise", **_typed(SuperviseOut))
async def supervise(body: SuperviseIn, p: CallsSupervise, c: CenterDep, session: SessionDep) -> Result:
    """Listen, whisper (the agent alone hears you) or barge into an agent's call from your phone."""
    result: Result = await _run(c, lambda: c.control.supervise(p.user_id, body.agent_id, body.mode))
    control_audit.supervised(session, p.actor, body.mode, result.get("call_id"), body.agent_id)
    return result


@router.post("/live/{call_id}/hangup", **_typed(CallRefOut))
async def force_hangup(call_id: str, p: CallsSupervise, c: CenterDep, session: SessionDep) -> Result:
    result: Result = await _run(c, lambda: c.control.force_hangup(call_id))
    control_audit.forced_hangup(session, p.actor, call_id)
    return result


@router.get("/emergencies", **_typed(list[EmergencyAlertOut]))
async def emergencies(p: CallsSupervise, c: CenterDep) -> list[Result]:
    """Emergency alerts not yet acknowledged, with the state of each leg of their fan-out."""
    out: list[Result] = await _run(c, lambda: c.alerts.view(), masked=True, pii=p.pii)
    return out


@router.post("/emergencies/{call_id}/ack", **_typed(AcknowledgedOut))
async def acknowledge_emergency(call_id: str, p: CallsSupervise, c: CenterDep, session: SessionDep) -> Result:
    result: Result = await _run(c, lambda: c.alerts.acknowledge(call_id, p.actor.name))
    control_audit.emergency_acknowledged(session, p.actor, call_id)
    return result


@router.post("/agents/{agent_id}/state", **_typed(AgentViewOut))
async def set_agent_state(
    agent_id: int, body: AgentStateIn, p: CallsSupervise, c: CenterDep, session: SessionDep
) -> Result:
    result: Result = await _run(c, lambda: c.control.set_agent_state(agent_id, body.state, body.reason))
    control_audit.agent_state_set(session, p.actor, agent_id, body.state, body.reason)
    return result


@router.post("/{call_uuid}/marks", status_code=201, response_model=MarkOut)
async def mark_call(
    body: MarkIn,
    call_uuid: Annotated[str, Path(max_length=64)],
    p: CallsControl,
    c: CenterDep,
    session: SessionDep,
) -> MarkOut:
    """Mark this moment of a call in progress, to jump to in its recording later: your own call,
    or any call for supervisors. Audited."""
    where: Result = await _run(c, lambda: c.marks.live_offset(call_uuid))
    if where["agent_id"] != p.user_id and not p.can("calls.supervise"):
        raise Forbidden("you can mark only your own call", "只能标记自己的通话")
    # The insert runs off the event loop (the loop carries the calls' audio).
    row = await asyncio.to_thread(
        marks.add,
        session,
        p.actor,
        where["call_id"],
        where["offset_seconds"],
        "agent_mark",
        body.label,
        p.user_id,
    )
    return MarkOut.model_validate(row)


@router.websocket("/ws")
async def calls_ws(
    websocket: WebSocket,
    center: OptionalCenterDep,
    bus: BusDep,
    token: str | None = None,
    kpis: bool = True,
) -> None:
    """Live events (agent state, screen pops, queue events, alerts) and KPIs (`kpis=0`: events
    only); agent commands in."""
    app = websocket.app.state
    grace = app.settings.agent_presence_grace_seconds
    await live_ws.serve(websocket, app.db, token, center, bus, grace, kpis)
