"""Workforce over HTTP (排班/值班): staffing plan (forecast vs actual, required vs scheduled),
shift templates, agents' profiles, rosters (generate, publish, edit, swaps), one's own schedule,
the duty roster, the shift handover log, adherence and the wallboard's duty panel.

Generating a roster and the plan are CPU work of a second or two: these routes are plain `def`,
so FastAPI runs them in its worker threads, never on the event loop.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from hotline.masking import mask_phone
from hotline.store.base import utcnow
from hotline.web.auth import Principal, require
from hotline.web.deps import SessionDep
from hotline.web.services import OptionalCenterDep
from hotline.workforce import adherence, duty, handover, planning, rosters
from hotline.workforce.schemas import (
    AcknowledgeIn,
    AdherenceOut,
    AgentOut,
    DutyIn,
    DutyOut,
    HandoverIn,
    HandoverNotesIn,
    HandoverOut,
    LiveAdherenceOut,
    PlanOut,
    ProfileIn,
    ProfileOut,
    RosterDetailOut,
    RosterIn,
    RosterOut,
    ShiftEditIn,
    ShiftOut,
    SwapDecisionIn,
    SwapIn,
    SwapOut,
    TargetIn,
    TemplateIn,
    TemplateOut,
    VersionIn,
    WallboardOut,
)
from hotline.workforce.staffing import Target
from hotline.workorders.orders import Who

router = APIRouter(prefix="/api/workforce", tags=["workforce"])

Reader = Annotated[Principal, Depends(require("workforce.read"))]
Swapper = Annotated[Principal, Depends(require("workforce.swap"))]
Planner = Annotated[Principal, Depends(require("workforce.plan"))]
Handing = Annotated[Principal, Depends(require("workforce.handover"))]


def _target(t: TargetIn) -> Target:
    return Target(t.service_level, t.answer_seconds, t.answered, t.shrinkage, t.patience)


def _today() -> date:
    return utcnow().astimezone(planning.LOCAL).date()


# --- staffing plan -----------------------------------------------------------------------------


@router.get("/plan", response_model=PlanOut)
def staffing_plan(
    _: Planner,
    session: SessionDep,
    first_day: date | None = None,
    days: Annotated[int, Query(ge=1, le=62)] = 7,
    service_level: Annotated[float, Query(gt=0, lt=1)] = 0.80,
    answer_seconds: Annotated[float, Query(gt=0, le=600)] = 15.0,
    answered: Annotated[float, Query(ge=0, lt=1)] = 0.95,
    shrinkage: Annotated[float, Query(ge=0, lt=0.9)] = 0.30,
    patience: Annotated[float, Query(gt=0, le=3600)] = 120.0,
    model: Annotated[str, Query(pattern="^erlang_[ac]$")] = "erlang_a",
    aht: Annotated[float | None, Query(gt=0, le=7200)] = None,
) -> dict[str, Any]:
    """Forecast vs actual calls, required vs scheduled agents, per half hour (48 a day)."""
    target = Target(service_level, answer_seconds, answered, shrinkage, patience)
    plan = planning.plan(session, first_day or _today(), days, target, model=model, aht=aht)
    return plan.as_dict()


# --- templates, agents (leave: workforce_leave.py) ----------------------------------------------


@router.get("/templates", response_model=list[TemplateOut])
def list_templates(p: Planner, session: SessionDep) -> list[Any]:
    return planning.ensure_default_templates(session, p.actor)


@router.post("/templates", response_model=TemplateOut, status_code=201)
def create_template(body: TemplateIn, p: Planner, session: SessionDep) -> Any:
    data = body.model_dump(exclude={"version"})
    return planning.save_template(session, p.actor, None, **data)


@router.put("/templates/{template_id}", response_model=TemplateOut)
def update_template(template_id: int, body: TemplateIn, p: Planner, session: SessionDep) -> Any:
    data = body.model_dump(exclude={"version", "code"})
    return planning.save_template(session, p.actor, template_id, code=body.code, version=body.version, **data)


@router.get("/agents", response_model=list[AgentOut])
def list_agents(
    _: Planner, session: SessionDep, first_day: date | None = None, days: int = 28
) -> list[dict[str, Any]]:
    first = first_day or _today()
    return [
        {
            "user_id": s.id,
            "name": name,
            "skills": sorted(s.skills),
            "templates": sorted(s.templates) if s.templates else None,
            "days_off": sorted(s.off),
        }
        for s, name in planning.agents(session, first, first + timedelta(days=days - 1))
    ]


@router.get("/profiles", response_model=list[ProfileOut])
def list_profiles(_: Planner, session: SessionDep) -> list[dict[str, Any]]:
    """Every agent and supervisor with their skills, shift templates and weekdays off."""
    return planning.profiles(session)


@router.put("/agents/{user_id}/profile", response_model=AgentOut)
def save_profile(user_id: int, body: ProfileIn, p: Planner, session: SessionDep) -> dict[str, Any]:
    row = planning.save_profile(session, p.actor, user_id, **body.model_dump())
    return {
        "user_id": row.user_id,
        "name": "",
        "skills": row.skills,
        "templates": row.templates,
        "days_off": [],
    }


# --- rosters -----------------------------------------------------------------------------------


@router.get("/rosters", response_model=list[RosterOut])
def list_rosters(_: Planner, session: SessionDep) -> list[Any]:
    return rosters.rosters(session)


@router.post("/rosters", response_model=RosterDetailOut, status_code=201)
def create_roster(body: RosterIn, p: Planner, session: SessionDep) -> dict[str, Any]:
    """Generate a draft roster (for the plan, a requirement, or a requirement per skill in one
    run); too few agents is no error: `gaps` lists the half hours short (per skill)."""
    row = rosters.create(
        session,
        p.actor,
        name=body.name,
        first_day=body.first_day,
        days=body.days,
        skill=body.skill,
        target=_target(body.target),
        model=body.target.model,
        aht=body.target.aht,
        required=body.required,
        requirements=body.requirements,
    )
    return rosters.view(session, row.id)


@router.get("/rosters/{roster_id}", response_model=RosterDetailOut)
def get_roster(roster_id: int, _: Planner, session: SessionDep) -> dict[str, Any]:
    return rosters.view(session, roster_id)


@router.post("/rosters/{roster_id}/publish", response_model=RosterOut)
def publish_roster(roster_id: int, body: VersionIn, p: Planner, session: SessionDep) -> Any:
    return rosters.publish(session, p.actor, roster_id, body.version)


@router.put("/shifts/{shift_id}", response_model=ShiftOut)
def edit_shift(shift_id: int, body: ShiftEditIn, p: Planner, session: SessionDep) -> Any:
    return rosters.edit_shift(
        session, p.actor, shift_id, body.version, user_id=body.user_id, template=body.template
    )


@router.get("/swaps", response_model=list[SwapOut])
def list_swaps(p: Reader, session: SessionDep, pending: bool = False) -> list[Any]:
    """Planners see every request; others their own (asked by or of them)."""
    mine = None if p.can("workforce.plan") else p.user_id
    return rosters.swaps(session, mine, pending)


@router.post("/swaps", response_model=SwapOut, status_code=201)
def request_swap(body: SwapIn, p: Swapper, session: SessionDep) -> Any:
    return rosters.request_swap(session, p.actor, body.shift_id, body.to_user_id, body.reason)


@router.post("/swaps/{swap_id}/decision", response_model=SwapOut)
def decide_swap(swap_id: int, body: SwapDecisionIn, p: Planner, session: SessionDep) -> Any:
    return rosters.decide_swap(session, p.actor, swap_id, body.version, body.approve)


@router.get("/me/schedule", response_model=list[ShiftOut])
def my_schedule(p: Reader, session: SessionDep, first_day: date | None = None, days: int = 28) -> list[Any]:
    """The signed-in agent's own published shifts."""
    start = planning.local_midnight(first_day or _today())
    return rosters.schedule(session, start, start + timedelta(days=min(days, 62)), p.user_id)


# --- duty roster, handover, adherence, wallboard -------------------------------------------------


def _duty_out(row: Any, pii: bool) -> DutyOut:
    out = DutyOut.model_validate(row)
    if not pii:
        out.phone = mask_phone(out.phone) or ""
    return out


@router.get("/duty", response_model=list[DutyOut])
def list_duty(p: Reader, session: SessionDep, first_day: date | None = None, days: int = 31) -> list[DutyOut]:
    first = first_day or _today()
    return [
        _duty_out(r, p.pii) for r in duty.between(session, first, first + timedelta(days=min(days, 366) - 1))
    ]


@router.put("/duty", response_model=DutyOut)
def save_duty(body: DutyIn, p: Planner, session: SessionDep) -> DutyOut:
    return _duty_out(duty.save(session, p.actor, **body.model_dump()), True)


@router.delete("/duty/{duty_id}", status_code=204)
def delete_duty(duty_id: int, p: Planner, session: SessionDep) -> None:
    duty.remove(session, p.actor, duty_id)


@router.get("/handovers", response_model=list[HandoverOut])
def list_handovers(_: Handing, session: SessionDep) -> list[Any]:
    return handover.recent(session)


@router.post("/handovers", response_model=HandoverOut, status_code=201)
async def create_handover(
    body: HandoverIn, p: Handing, session: SessionDep, center: OptionalCenterDep
) -> Any:
    """The outgoing shift's record; open emergencies come from the running call center."""
    emergencies = await center.run(center.alerts.view) if center is not None else []
    who = Who(p.actor, p.permissions, p.department_id)
    return handover.create(
        session,
        who,
        shift_label=body.shift_label,
        notes=body.notes,
        alerts=body.system_alerts,
        emergencies=emergencies,
    )


@router.put("/handovers/{handover_id}", response_model=HandoverOut)
def edit_handover(handover_id: int, body: HandoverNotesIn, p: Handing, session: SessionDep) -> Any:
    return handover.edit_notes(session, p.actor, handover_id, body.version, body.notes)


@router.post("/handovers/{handover_id}/acknowledge", response_model=HandoverOut)
def acknowledge_handover(handover_id: int, body: AcknowledgeIn, p: Handing, session: SessionDep) -> Any:
    return handover.acknowledge(session, p.actor, handover_id, body.version, body.note)


@router.post("/handovers/{handover_id}/complete", response_model=HandoverOut)
def complete_handover(handover_id: int, body: VersionIn, p: Handing, session: SessionDep) -> Any:
    """409 until the incoming shift acknowledged."""
    return handover.complete(session, p.actor, handover_id, body.version)


@router.get("/adherence", response_model=list[AdherenceOut])
def adherence_report(
    _: Planner, session: SessionDep, first_day: date | None = None, days: int = 1
) -> list[Any]:
    start = planning.local_midnight(first_day or _today())
    return adherence.report(session, start, start + timedelta(days=min(days, 62)), datetime.now(UTC))


@router.get("/wallboard", response_model=WallboardOut)
def wallboard(p: Reader, session: SessionDep) -> dict[str, Any]:
    """Today's duty slots (and last night's, still running before 08:00), who is scheduled now
    and in what state, and the newest handover not yet completed."""
    today = _today()
    slots = [_duty_out(r, p.pii) for r in duty.between(session, today - timedelta(days=1), today)]
    open_ = next((h for h in handover.recent(session, 5) if h.state != "handed_over"), None)
    return {
        "duty": [d for d in slots if d.day == today or d.kind == "night"],
        "on_shift": [LiveAdherenceOut(**r) for r in adherence.live(session, datetime.now(UTC))],
        "open_handover": open_,
    }
