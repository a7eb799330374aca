"""Telephony administration over HTTP: trunks, extensions (registration status) and voice prompts.

Trunk writes are applied to the running engine once the transaction has committed; the engine keeps
the calls in progress and uses the new configuration for the next ones.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from hotline.errors import Invalid
from hotline.people.service import users_with_extensions
from hotline.schemas import Page
from hotline.sip.engine import TelephonyEngine
from hotline.telephony import phones, prompts, service
from hotline.telephony.models import SipTrunk
from hotline.telephony.schemas import (
    ContactOut,
    EngineTrunks,
    ExtensionOut,
    PhoneIn,
    PhoneOut,
    PromptOut,
    TrunkHealth,
    TrunkIn,
    TrunkOut,
    TrunkPatch,
)
from hotline.web.auth import Principal, require
from hotline.web.deps import ListDep, SessionDep
from hotline.web.services import optional_engine

router = APIRouter(prefix="/api/telephony", tags=["telephony"])
Admin = Annotated[Principal, Depends(require("telephony.admin"))]
# an agent's own phone (browser or desk): whoever takes calls
Agent = Annotated[Principal, Depends(require("calls.control"))]


def _engine(request: Request) -> TelephonyEngine | None:
    return optional_engine(request)


def _prompts_dir(request: Request) -> Path:
    return Path(request.app.state.settings.prompts_dir)


def _reconfigure(request: Request, session: Session) -> None:
    """Once this change has committed, read the whole trunk configuration afresh (so two admins'
    concurrent changes both count) and hand it to the engine on its loop."""
    engine = _engine(request)
    loop = engine.loop if engine is not None else None
    if engine is None or loop is None:
        return
    state = request.app.state
    service.reconfigure_after_commit(session, state.db, state.settings.sip, engine, loop)


def _trunk_out(row: SipTrunk, engine: TelephonyEngine | None) -> TrunkOut:
    out = TrunkOut.model_validate({**row.__dict__, "has_password": bool(row.password)})
    if engine is not None and row.enabled:
        target = service.outbound_target(row)
        out.active_outbound = row.direction in ("outbound", "both") and engine.outbound_trunk == target
        probe = engine.trunks.probes.get(target)
        if probe is not None:
            out.health = TrunkHealth.model_validate(probe)
        order = [t.target for t in engine.trunks.order()]
        health = engine.trunks.health.get(target)
        if health is not None and target in order:
            out.failover_rank = order.index(target) + 1
            out.up, out.attempts = health.up, len(health.outcomes)
            out.failure_ratio = health.failure_ratio
            out.down_reason = "" if health.up else health.reason
    return out


@router.get("/trunks", response_model=Page[TrunkOut])
def list_trunks(request: Request, params: ListDep, _: Admin, session: SessionDep) -> dict[str, object]:
    engine = _engine(request)
    return service.trunks_page(session, params, lambda r: _trunk_out(r, engine))


@router.post("/trunks", response_model=TrunkOut, status_code=201)
def create_trunk(
    request: Request,
    body: TrunkIn,
    principal: Admin,
    session: SessionDep,
) -> TrunkOut:
    row = service.create_trunk(session, principal.actor, body)
    _reconfigure(request, session)
    return _trunk_out(row, None)


@router.patch("/trunks/{trunk_id}", response_model=TrunkOut)
def update_trunk(
    request: Request,
    trunk_id: int,
    body: TrunkPatch,
    principal: Admin,
    session: SessionDep,
) -> TrunkOut:
    row = service.update_trunk(session, principal.actor, trunk_id, body)
    _reconfigure(request, session)
    return _trunk_out(row, None)


@router.delete("/trunks/{trunk_id}", status_code=204, response_class=Response)
def delete_trunk(
    request: Request,
    trunk_id: int,
    principal: Admin,
    session: SessionDep,
) -> Response:
    service.delete_trunk(session, principal.actor, trunk_id)
    _reconfigure(request, session)
    return Response(status_code=204)


@router.post("/trunks/{trunk_id}/check", response_model=TrunkHealth)
async def check_trunk(
    request: Request,
    trunk_id: int,
    _: Admin,
    session: SessionDep,
) -> TrunkHealth:
    """Send OPTIONS to the trunk now; 408 means it did not answer within 4 seconds."""
    row = service.get_trunk(session, trunk_id)
    engine = _engine(request)
    if engine is None:
        raise Invalid("the telephony engine is not running", "电话引擎未运行")
    return TrunkHealth.model_validate(await engine.check_trunk(service.outbound_target(row)))


@router.get("/engine", response_model=EngineTrunks)
def engine_trunks(request: Request, _: Admin) -> EngineTrunks:
    """The trunk configuration the running engine uses now (settings overlaid by the trunks table)."""
    engine = _engine(request)
    if engine is None:
        return EngineTrunks(running=False, trunk_peers=[], outbound_trunk="", has_credentials=False)
    return EngineTrunks(
        running=True,
        trunk_peers=sorted(engine.trunk_peers),
        outbound_trunk=engine.outbound_trunk,
        has_credentials=engine.trunk_credentials is not None,
        outbound_order=[t.name for t in engine.trunks.order()],
    )


@router.get("/extensions", response_model=list[ExtensionOut])
def list_extensions(
    request: Request,
    _: Admin,
    session: SessionDep,
) -> list[ExtensionOut]:
    """Every user with an extension, and the phones registered for it right now."""
    engine = _engine(request)
    bindings: dict[str, Any] = dict(engine.registrar.bindings) if engine is not None else {}
    now = time.monotonic()
    out = []
    for user in users_with_extensions(session):
        ext = user.extension or ""
        live = [b for b in list(bindings.get(ext, {}).values()) if b.expires_at > now]
        contacts = [
            ContactOut(
                contact=b.contact,
                source=f"{b.source.addr[0]}:{b.source.addr[1]}",
                transport=b.source.proto,
                expires_in=b.remaining(now),
            )
            for b in live
        ]
        out.append(
            ExtensionOut(
                user_id=user.id,
                username=user.username,
                display_name=user.display_name,
                role=str(user.role),
                extension=ext,
                active=user.active,
                has_sip_password=bool(user.sip_ha1),
                registered=bool(contacts),
                contacts=contacts,
            )
        )
    return out


def _prompt_out(info: prompts.PromptInfo) -> PromptOut:
    return PromptOut.model_validate(info.__dict__)


@router.get("/prompts", response_model=list[PromptOut])
def list_prompts(
    request: Request,
    _: Admin,
    session: SessionDep,
) -> list[PromptOut]:
    """Every prompt the flows and the waiting room use, and where its audio comes from."""
    return [_prompt_out(p) for p in prompts.list_prompts(session, _prompts_dir(request))]


@router.get(
    "/prompts/{name}/audio", response_class=FileResponse, responses={200: {"content": {"audio/wav": {}}}}
)
def prompt_audio(request: Request, name: str, _: Admin) -> FileResponse:
    return FileResponse(prompts.audio_path(_prompts_dir(request), name), media_type="audio/wav")


@router.put("/prompts/{name}", response_model=PromptOut)
def upload_prompt(
    request: Request,
    name: str,
    principal: Admin,
    session: SessionDep,
    file: UploadFile = File(...),
) -> PromptOut:
    """Install a recording for a prompt (any WAV; converted to 8 kHz mono 16-bit).

    The audio is converted before the database is touched (sox may take a while), and the new file
    replaces the old one only once the audit entry has committed."""
    info = prompts.upload(session, principal.actor, _prompts_dir(request), name, file.file.read())
    return _prompt_out(info)


@router.delete("/prompts/{name}", status_code=204, response_class=Response)
def delete_prompt(
    request: Request,
    name: str,
    principal: Admin,
    session: SessionDep,
) -> Response:
    """Remove an uploaded recording; the prompt is spoken by TTS again."""
    prompts.delete(session, principal.actor, _prompts_dir(request), name)
    return Response(status_code=204)


def _phone(request: Request, session: Session, user_id: int) -> PhoneOut:
    engine = _engine(request)
    ws_port = engine.ws.port if engine is not None and engine.ws is not None and engine.bridge else None
    sip = request.app.state.settings.sip
    return PhoneOut.model_validate(phones.browser_phone(session, user_id, sip, ws_port))


@router.get("/phone", response_model=PhoneOut)
def my_phone(request: Request, principal: Agent, session: SessionDep) -> PhoneOut:
    """The signed-in agent's phone; for a browser phone, the account JsSIP registers with."""
    return _phone(request, session, principal.user_id)


@router.put("/phone", response_model=PhoneOut)
def set_my_phone(request: Request, body: PhoneIn, principal: Agent, session: SessionDep) -> PhoneOut:
    phones.set_phone_mode(session, principal.actor, principal.user_id, body.mode)
    return _phone(request, session, principal.user_id)
