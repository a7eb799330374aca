"""Leave over HTTP (请假): an agent's own requests (`workforce.leave`), the planners' lists,
direct entries and decisions (`workforce.plan`); calling leave off is the agent's for their own,
a planner's for anyone's. Lists carry the planned shifts each leave clashes with."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from hotline.store.base import utcnow
from hotline.web.auth import Principal, require
from hotline.web.deps import SessionDep
from hotline.workforce import leave
from hotline.workforce.clock import LOCAL
from hotline.workforce.schemas import (
    FIRST_DAY,
    LAST_DAY,
    LeaveDecisionIn,
    LeaveIn,
    LeaveOut,
    LeaveRequestIn,
    VersionIn,
)

router = APIRouter(prefix="/api/workforce", tags=["workforce"])

Leaver = Annotated[Principal, Depends(require("workforce.leave"))]
Planner = Annotated[Principal, Depends(require("workforce.plan"))]
States = Annotated[list[str] | None, Query(alias="state")]
Day = Annotated[date | None, Query(ge=FIRST_DAY, le=LAST_DAY)]


def _today() -> date:
    return utcnow().astimezone(LOCAL).date()


@router.get("/leaves", response_model=list[LeaveOut])
def list_leaves(
    _: Planner,
    session: SessionDep,
    first_day: Day = None,
    days: Annotated[int, Query(ge=1, le=366)] = 62,
    state: States = None,
) -> list[dict[str, Any]]:
    """Everybody's leave touching the period (all states unless `state` is given)."""
    first = first_day or _today()
    rows = leave.between(session, first, first + timedelta(days=days - 1), states=state)
    return leave.with_clashes(session, rows)


@router.get("/leaves/pending", response_model=list[LeaveOut])
def pending_leaves(_: Planner, session: SessionDep) -> list[dict[str, Any]]:
    """Requests waiting for a decision, whatever their days."""
    return leave.with_clashes(session, leave.pending(session))


@router.post("/leaves", response_model=LeaveOut, status_code=201)
def enter_leave(body: LeaveIn, p: Planner, session: SessionDep) -> Any:
    """A planner enters an agent's leave: approved at once."""
    data = body.model_dump(exclude={"user_id"})
    return leave.request(session, p.actor, body.user_id, approved=True, **data)


@router.post("/leaves/{leave_id}/decision", response_model=LeaveOut)
def decide_leave(leave_id: int, body: LeaveDecisionIn, p: Planner, session: SessionDep) -> Any:
    return leave.decide(session, p.actor, leave_id, body.version, approve=body.approve, note=body.note)


@router.post("/leaves/{leave_id}/cancel", response_model=LeaveOut)
def cancel_leave(leave_id: int, body: VersionIn, p: Leaver, session: SessionDep) -> Any:
    return leave.cancel(session, p.actor, leave_id, body.version, may_plan=p.can("workforce.plan"))


@router.get("/me/leaves", response_model=list[LeaveOut])
def my_leaves(
    p: Leaver,
    session: SessionDep,
    first_day: Day = None,
    days: Annotated[int, Query(ge=1, le=366)] = 120,
) -> list[dict[str, Any]]:
    """The signed-in agent's own leave (every state) from `first_day` (default: 30 days ago)."""
    first = first_day or _today() - timedelta(days=30)
    rows = leave.between(session, first, first + timedelta(days=days - 1), user_id=p.user_id)
    return leave.with_clashes(session, rows)


@router.post("/me/leaves", response_model=LeaveOut, status_code=201)
def request_leave(body: LeaveRequestIn, p: Leaver, session: SessionDep) -> Any:
    """Ask for leave: pending until a supervisor decides."""
    return leave.request(session, p.actor, p.user_id, **body.model_dump())
