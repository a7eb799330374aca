"""Phone interviews (CATI) over HTTP: build a sample frame (callers, or closed work orders for a
return visit) and set quotas per stratum, take the next respondent
due, read the phone wording and record answers (the web's page saves, checked the same way, or
one answer at a time from the agent's CATI screen, bound to the call placed), or close the
attempt with an outcome code; progress with response/refusal rates. Thin: the work is
in `hotline.surveys.cati`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from hotline.masking import mask_phone
from hotline.store.base import utcnow
from hotline.surveys import cati, frames, quotas, views
from hotline.surveys.models import SurveyCatiQuota, SurveyInterview
from hotline.surveys.schemas import (
    AnswerIn,
    AnswerOut,
    CallBindIn,
    CatiQuotasIn,
    CatiQuotasOut,
    DeskOut,
    DeskSurvey,
    FrameIn,
    FrameOut,
    InterviewOut,
    OutcomeIn,
    PageIn,
    PageOut,
    ProgressOut,
    StartIn,
    StartOut,
    SubmitIn,
)
from hotline.surveys.states import OUTCOME_ZH, InterviewAction, InterviewState
from hotline.web.auth import Principal, require
from hotline.web.deps import IdPath, SessionDep

router = APIRouter(prefix="/api/surveys", tags=["surveys"])
SurveysWrite = Annotated[Principal, Depends(require("surveys.write"))]
SurveysRun = Annotated[Principal, Depends(require("surveys.run"))]


def _out(iv: SurveyInterview, pii: bool) -> InterviewOut:
    return InterviewOut(
        id=iv.id,
        survey_id=iv.survey_id,
        caller_id=iv.caller_id,
        phone=iv.phone if pii else mask_phone(iv.phone) or "",
        district=iv.district,
        age_band=iv.age_band,
        state=iv.state,
        state_zh=OUTCOME_ZH[InterviewState(iv.state)],
        attempts=iv.attempts,
        callback_at=iv.callback_at,
        call_id=iv.call_id,
        work_order_id=iv.work_order_id,
    )


@router.get("/cati/desk", response_model=DeskOut)
def desk(p: SurveysRun, session: SessionDep) -> DeskOut:
    """The agent's CATI screen: questionnaires with phone interviews (and how many wait), and the
    agent's own interviews in progress."""
    return DeskOut(
        surveys=[DeskSurvey(survey_id=i, title=t, pending=n) for i, t, n in cati.desk(session)],
        held=[_out(iv, p.pii) for iv in cati.held(session, p.actor)],
    )


@router.post("/{survey_id}/frame", response_model=FrameOut)
def build_frame(survey_id: IdPath, body: FrameIn, p: SurveysWrite, session: SessionDep) -> FrameOut:
    """Add a sample to the agents' phone interviews: callers by district, age and care profile, or
    the people whose work orders were closed in a period (a return-visit survey)."""
    f = frames.Frame(**body.model_dump(exclude={"limit"}))
    return FrameOut(added=cati.build_frame(session, p.actor, survey_id, f, body.limit))


def _quotas_out(row: SurveyCatiQuota) -> CatiQuotasOut:
    return CatiQuotasOut(survey_id=row.survey_id, version=row.version, quotas=row.quotas)


@router.get("/{survey_id}/cati/quotas", response_model=CatiQuotasOut)
def get_cati_quotas(survey_id: IdPath, p: SurveysRun, session: SessionDep) -> CatiQuotasOut:
    return _quotas_out(quotas.cati_quotas(session, survey_id))


@router.put("/{survey_id}/cati/quotas", response_model=CatiQuotasOut)
def edit_cati_quotas(
    survey_id: IdPath, body: CatiQuotasIn, p: SurveysWrite, session: SessionDep
) -> CatiQuotasOut:
    """Completed phone interviews wanted per district or age band (read at each agent's claim)."""
    new = body.quotas.model_dump() if body.quotas else None
    return _quotas_out(quotas.edit_cati(session, p.actor, survey_id, new, body.version))


@router.get("/{survey_id}/interviews/progress", response_model=ProgressOut)
def progress(survey_id: IdPath, p: SurveysRun, session: SessionDep) -> ProgressOut:
    return ProgressOut(**cati.progress(session, survey_id))


@router.post(
    "/{survey_id}/interviews/next",
    response_model=InterviewOut,
    responses={204: {"description": "nobody due"}},
)
def next_interview(survey_id: IdPath, p: SurveysRun, session: SessionDep) -> InterviewOut | Response:
    iv = cati.next_interview(session, p.actor, survey_id, utcnow())
    return Response(status_code=204) if iv is None else _out(iv, p.pii)


@router.post("/interviews/{interview_id}/start", response_model=StartOut)
def start(interview_id: IdPath, body: StartIn, p: SurveysRun, session: SessionDep) -> StartOut:
    """The questionnaire in its phone wording, resumed where the agent left it."""
    return views.started(cati.start(session, p.actor, interview_id, body.resume_key), phone=True)


@router.put("/interviews/{interview_id}/page", response_model=PageOut)
def save_page(interview_id: IdPath, body: PageIn, p: SurveysRun, session: SessionDep) -> PageOut:
    following = cati.save_page(session, p.actor, interview_id, body.resume_key, body.page, body.answers)
    return PageOut(next_page=following, done=following is None)


@router.post("/interviews/{interview_id}/call", response_model=InterviewOut)
def bind_call(interview_id: IdPath, body: CallBindIn, p: SurveysRun, session: SessionDep) -> InterviewOut:
    """Bind the interview to the call the agent placed to the respondent (click to dial)."""
    return _out(cati.bind_call(session, p.actor, interview_id, body.call_id), p.pii)


@router.put("/interviews/{interview_id}/answer", response_model=AnswerOut)
def save_answer(interview_id: IdPath, body: AnswerIn, p: SurveysRun, session: SessionDep) -> AnswerOut:
    """One answer, committed as the respondent gives it (422 naming `answers.<code>`: a question
    not shown now, a value not valid for it, a required one left empty); the next question."""
    answers, following = cati.save_answer(
        session, p.actor, interview_id, body.resume_key, body.question, body.value
    )
    return AnswerOut(answers=answers, next_question=following)


@router.post("/interviews/{interview_id}/submit", response_model=InterviewOut)
def submit(interview_id: IdPath, body: SubmitIn, p: SurveysRun, session: SessionDep) -> InterviewOut:
    return _out(cati.submit(session, p.actor, interview_id, body.resume_key, utcnow()), p.pii)


@router.post("/interviews/{interview_id}/outcome", response_model=InterviewOut)
def outcome(interview_id: IdPath, body: OutcomeIn, p: SurveysRun, session: SessionDep) -> InterviewOut:
    iv = cati.outcome(
        session, p.actor, interview_id, InterviewAction(body.outcome), utcnow(), body.callback_at, body.note
    )
    return _out(iv, p.pii)
