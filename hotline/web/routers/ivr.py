"""IVR flows over HTTP: list, create, edit drafts, publish, roll back, validate, simulate."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from hotline.calls import facts
from hotline.calls.diversion import DivertQuery, logged_in, simulate_with
from hotline.calls.plugin import CENTER, DIVERTER, OPEN_WORK_ORDERS
from hotline.ivr import service
from hotline.ivr.flow import Flow, check_messages, validate
from hotline.ivr.models import IvrFlow
from hotline.ivr.runtime import load_flow
from hotline.ivr.schemas import (
    CheckOut,
    DefinitionIn,
    DraftIn,
    FlowDetailOut,
    FlowIn,
    FlowOut,
    FlowPatch,
    RollbackIn,
    SimulateIn,
    SimulationOut,
    VersionDetailOut,
    VersionOut,
)
from hotline.schemas import Page
from hotline.web.auth import Principal, require
from hotline.web.deps import ListDep, SessionDep
from hotline.web.services import ServicesDep

router = APIRouter(prefix="/api/ivr", tags=["ivr"])
IvrRead = Annotated[Principal, Depends(require("ivr.read"))]
IvrWrite = Annotated[Principal, Depends(require("ivr.write"))]


def _detail(session: Session, flow: IvrFlow) -> FlowDetailOut:
    draft = service.draft(session, flow.id)
    published = None
    if flow.published_number is not None:
        published = service.get_version(session, flow.id, flow.published_number).definition
    return FlowDetailOut(
        **FlowOut.model_validate(flow).model_dump(),
        versions=[VersionOut.model_validate(v) for v in service.versions(session, flow.id)],
        draft=draft.definition if draft else None,
        published=published,
    )


@router.get("/flows", response_model=Page[FlowOut])
def list_flows(params: ListDep, _: IvrRead, session: SessionDep) -> dict[str, object]:
    return service.flows_page(session, params, FlowOut.model_validate)


@router.post("/flows", response_model=FlowDetailOut, status_code=201)
def create_flow(body: FlowIn, principal: IvrWrite, session: SessionDep) -> FlowDetailOut:
    flow = service.create_flow(
        session, principal.actor, body.name, body.definition, body.description, body.numbers
    )
    return _detail(session, flow)


@router.get("/flows/{flow_id}", response_model=FlowDetailOut)
def get_flow(flow_id: int, _: IvrRead, session: SessionDep) -> FlowDetailOut:
    return _detail(session, service.get_flow(session, flow_id))


@router.patch("/flows/{flow_id}", response_model=FlowDetailOut)
def update_flow(flow_id: int, body: FlowPatch, principal: IvrWrite, session: SessionDep) -> FlowDetailOut:
    flow = service.update_flow(
        session, principal.actor, flow_id, body.version, body.numbers, body.description
    )
    return _detail(session, flow)


@router.delete("/flows/{flow_id}", status_code=204)
def delete_flow(flow_id: int, principal: IvrWrite, session: SessionDep) -> None:
    service.delete_flow(session, principal.actor, flow_id)


@router.get("/flows/{flow_id}/versions/{number}", response_model=VersionDetailOut)
def get_version(flow_id: int, number: int, _: IvrRead, session: SessionDep) -> VersionDetailOut:
    return VersionDetailOut.model_validate(service.get_version(session, flow_id, number))


@router.put("/flows/{flow_id}/draft", response_model=FlowDetailOut)
def save_draft(flow_id: int, body: DraftIn, principal: IvrWrite, session: SessionDep) -> FlowDetailOut:
    service.save_draft(session, principal.actor, flow_id, body.definition, body.comment, body.version)
    return _detail(session, service.get_flow(session, flow_id))


@router.post("/flows/{flow_id}/publish", response_model=FlowDetailOut)
def publish(flow_id: int, principal: IvrWrite, session: SessionDep) -> FlowDetailOut:
    return _detail(session, service.publish(session, principal.actor, flow_id))


@router.post("/flows/{flow_id}/rollback", response_model=FlowDetailOut)
def rollback(flow_id: int, body: RollbackIn, principal: IvrWrite, session: SessionDep) -> FlowDetailOut:
    return _detail(session, service.publish(session, principal.actor, flow_id, body.number))


@router.post("/validate", response_model=CheckOut)
def validate_flow(body: DefinitionIn, _: IvrRead) -> CheckOut:
    errors, warnings = check_messages(body.definition)
    return CheckOut(
        errors=[en for en, _ in errors],
        warnings=[en for en, _ in warnings],
        errors_zh=[zh for _, zh in errors],
        warnings_zh=[zh for _, zh in warnings],
    )


@router.post("/flows/{flow_id}/simulate", response_model=SimulationOut)
def simulate(
    flow_id: int, body: SimulateIn, _: IvrRead, session: SessionDep, ctx: ServicesDep
) -> dict[str, Any]:
    """Walk the flow as a live call from `caller` would (open work orders counted alike)."""
    flow_row = service.get_flow(session, flow_id)
    flow: Flow = (
        validate(body.definition) if body.definition else load_flow(session, flow_row.name, body.draft)
    )
    orders = ctx.find(OPEN_WORK_ORDERS) or facts.no_open_work_orders
    result = facts.simulate(session, flow, body.digits, body.caller, body.at, body.queue_load, orders)
    diverter = ctx.find(DIVERTER)
    if diverter is not None:  # an emergency mode is part of the path a call takes now
        center = ctx.find(CENTER)
        agents = logged_in(center.acd) if center is not None else 0
        query = DivertQuery("simulation", flow_row.numbers, body.caller or "", agents)
        result = simulate_with(result, diverter(query))
    return result.as_dict()


@router.get("/node-types")
def node_types(_: IvrRead) -> dict[str, Any]:
    """The JSON schema of a flow and its node types, for the graphical editor."""
    return Flow.model_json_schema()
