"""Emergency modes (一键应急) over HTTP: switch on for a period, end early, the modes in force (the
wallboard's banner), the callback worklist that callback collection fills, and the alerts to the
people on duty (acknowledged here, or escalated to the duty leader)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from hotline.contingency import alerts, service
from hotline.contingency.models import ContingencyCallback, ContingencyMode
from hotline.contingency.schemas import (
    AlertAck,
    AlertOut,
    CallbackMove,
    CallbackOut,
    ModeEnd,
    ModeIn,
    ModeOut,
)
from hotline.masking import mask_phone
from hotline.schemas import Page
from hotline.store.base import utcnow
from hotline.web.auth import Principal, require
from hotline.web.deps import ListDep, SessionDep

router = APIRouter(prefix="/api/contingency", tags=["contingency"])
Reader = Annotated[Principal, Depends(require("contingency.read"))]
Switcher = Annotated[Principal, Depends(require("contingency.switch"))]
Worker = Annotated[Principal, Depends(require("contingency.callbacks"))]


def _mode_out(row: ContingencyMode) -> ModeOut:
    out = ModeOut.model_validate(row)
    out.active = service.is_active(row, utcnow())
    return out


def _callback_out(row: ContingencyCallback, pii: bool) -> CallbackOut:
    out = CallbackOut.model_validate(row)
    if not pii:
        out.caller_number = mask_phone(out.caller_number) or ""
        out.callback_number = mask_phone(out.callback_number) or ""
    return out


@router.get("/modes", response_model=Page[ModeOut])
def list_modes(params: ListDep, _: Reader, session: SessionDep) -> dict[str, Any]:
    """Every mode ever switched on, newest first (the audit of who switched what, when)."""
    return service.modes_page(session, params, _mode_out)


@router.get("/modes/active", response_model=list[ModeOut])
def active_modes(_: Reader, session: SessionDep) -> list[ModeOut]:
    """The modes in force now (the wallboard's banner)."""
    return [_mode_out(row) for row in service.active_modes(session)]


@router.post("/modes", response_model=ModeOut, status_code=201)
def switch_on(body: ModeIn, principal: Switcher, session: SessionDep) -> ModeOut:
    return _mode_out(service.switch_on(session, principal.actor, body))


@router.post("/modes/{mode_id}/end", response_model=ModeOut)
def switch_off(mode_id: int, body: ModeEnd, principal: Switcher, session: SessionDep) -> ModeOut:
    return _mode_out(service.switch_off(session, principal.actor, mode_id, body.version))


@router.get("/callbacks", response_model=Page[CallbackOut])
def list_callbacks(
    params: ListDep,
    principal: Reader,
    session: SessionDep,
    status: Annotated[str | None, Query(pattern="^(open|done|unreachable)$")] = None,
) -> dict[str, Any]:
    return service.callbacks_page(session, params, status, lambda r: _callback_out(r, principal.pii))


@router.post("/callbacks/{callback_id}/move", response_model=CallbackOut)
def move_callback(
    callback_id: int, body: CallbackMove, principal: Worker, session: SessionDep
) -> CallbackOut:
    return _callback_out(service.move_callback(session, principal.actor, callback_id, body), principal.pii)


@router.get("/alerts", response_model=list[AlertOut])
def list_alerts(_: Reader, session: SessionDep) -> list[AlertOut]:
    """The latest alerts (open first to act on), newest first."""
    return [AlertOut.model_validate(row) for row in alerts.recent(session)]


@router.post("/alerts/{alert_id}/ack", response_model=AlertOut)
def acknowledge_alert(alert_id: int, body: AlertAck, principal: Switcher, session: SessionDep) -> AlertOut:
    """Someone on duty took the alert: no escalation to the duty leader."""
    return AlertOut.model_validate(alerts.acknowledge(session, principal.actor, alert_id, body.version))
