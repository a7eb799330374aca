"""Quality inspection over HTTP: automatic audio checks, scoring forms and their versions,
sampling plans, the inspectors' work queue and call flags. Thin: the work is in
`hotline.quality`; scores, appeals and scorecards are `quality_scores.py`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from hotline.calls import feed
from hotline.errors import NotFound
from hotline.quality import checks, forms, sampling
from hotline.quality.models import Task
from hotline.quality.schemas import (
    AudioCheckOut,
    FlagIn,
    FormIn,
    FormOut,
    PlanIn,
    PlanOut,
    RunIn,
    RunOut,
    TaskOut,
)
from hotline.schemas import MAX_ID, Out
from hotline.web.auth import Principal, require
from hotline.web.deps import SessionDep

router = APIRouter(prefix="/api/quality", tags=["quality"])
QualityRead = Annotated[Principal, Depends(require("quality.read"))]
QualityWrite = Annotated[Principal, Depends(require("quality.write"))]
QualityManage = Annotated[Principal, Depends(require("quality.manage"))]
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


class FlagOut(Out):
    call_id: str
    reason: str
    source: str | None


def _task(t: Task) -> TaskOut:
    return sampling.task_out(t)


# --- automatic checks --------------------------------------------------------------------------


@router.get("/checks/{recording_id}", response_model=AudioCheckOut)
def get_check(recording_id: Id, _: QualityRead, session: SessionDep) -> AudioCheckOut:
    return AudioCheckOut(**checks.out(checks.get_for_recording(session, recording_id)))


@router.post("/checks/{recording_id}", response_model=AudioCheckOut)
def run_check(recording_id: Id, _: QualityWrite, session: SessionDep) -> AudioCheckOut:
    """Check one recording now (idempotent: an existing result is returned as it is)."""
    rec = feed.recording(session, recording_id)
    if rec is None:
        raise NotFound(f"no recording {recording_id}", f"录音 {recording_id} 不存在")
    return AudioCheckOut(**checks.out(checks.check_recording(session, rec)))


# --- forms -------------------------------------------------------------------------------------


@router.get("/forms", response_model=list[FormOut])
def list_forms(
    _: QualityRead, session: SessionDep, code: str | None = Query(None, max_length=64)
) -> list[FormOut]:
    return [FormOut.model_validate(f) for f in forms.listing(session, code)]


@router.post("/forms", response_model=FormOut, status_code=201)
def create_form(body: FormIn, p: QualityManage, session: SessionDep) -> FormOut:
    return FormOut.model_validate(forms.create(session, p.actor, body))


@router.get("/forms/{form_id}", response_model=FormOut)
def get_form(form_id: Id, _: QualityRead, session: SessionDep) -> FormOut:
    return FormOut.model_validate(forms.get(session, form_id))


@router.put("/forms/{form_id}", response_model=FormOut)
def edit_form(form_id: Id, body: FormIn, p: QualityManage, session: SessionDep) -> FormOut:
    return FormOut.model_validate(forms.edit(session, p.actor, form_id, body))


@router.post("/forms/{form_id}/publish", response_model=FormOut)
def publish_form(form_id: Id, p: QualityManage, session: SessionDep) -> FormOut:
    return FormOut.model_validate(forms.publish(session, p.actor, form_id))


@router.post("/forms/{form_id}/versions", response_model=FormOut, status_code=201)
def new_version(form_id: Id, p: QualityManage, session: SessionDep) -> FormOut:
    return FormOut.model_validate(forms.new_version(session, p.actor, form_id))


# --- sampling and the work queue ---------------------------------------------------------------


@router.get("/plans", response_model=list[PlanOut])
def list_plans(_: QualityRead, session: SessionDep) -> list[PlanOut]:
    return [PlanOut.model_validate(p) for p in sampling.plans(session)]


@router.post("/plans", response_model=PlanOut, status_code=201)
def create_plan(body: PlanIn, p: QualityManage, session: SessionDep) -> PlanOut:
    return PlanOut.model_validate(sampling.create_plan(session, p.actor, body))


@router.put("/plans/{plan_id}", response_model=PlanOut)
def edit_plan(plan_id: Id, body: PlanIn, p: QualityManage, session: SessionDep) -> PlanOut:
    return PlanOut.model_validate(sampling.update_plan(session, p.actor, plan_id, body))


@router.post("/plans/{plan_id}/run", response_model=RunOut)
def run_plan(plan_id: Id, body: RunIn, p: QualityManage, session: SessionDep) -> RunOut:
    plan = sampling.get_plan(session, plan_id)
    created = sampling.run(session, p.actor, plan, body.since, body.until)
    return RunOut(created=len(created), tasks=[_task(t) for t in created])


@router.get("/tasks", response_model=list[TaskOut])
def work_queue(
    p: QualityWrite,
    session: SessionDep,
    state: str | None = Query("open", max_length=16),
    everyone: bool = False,
) -> list[TaskOut]:
    """The inspector's queue: their claimed tasks and the unclaimed ones (`everyone`: all)."""
    return [_task(t) for t in sampling.queue(session, None if everyone else p.user_id, state or None)]


@router.post("/flags", response_model=FlagOut, status_code=201)
def flag_call(body: FlagIn, p: QualityManage, session: SessionDep) -> FlagOut:
    flag = sampling.flag_call(session, p.actor, body.call_id, body.reason, body.source)
    return FlagOut(call_id=flag.call_uuid, reason=flag.reason, source=flag.source)
