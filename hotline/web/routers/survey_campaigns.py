"""Automated phone (IVR) campaigns over HTTP: create one for a published questionnaire, add
respondents (a list, an Excel file or a sample frame of callers or closed work orders; a
validation report names the refused rows), start/pause/resume/finish, progress
with AAPOR-style rates, the do-not-call list, and the spoken answers (WAV) beside the responses.
Thin: the work is in `hotline.surveys.campaigns`; the dialling in `hotline.surveys.dialer`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from hotline.errors import Invalid, NotFound
from hotline.masking import mask_phone
from hotline.surveys import campaigns, frames, quotas, sample_import
from hotline.surveys.campaign_schemas import (
    AddedOut,
    CampaignIn,
    CampaignOut,
    CampaignProgress,
    DoNotCallIn,
    DoNotCallOut,
    QuotasEditIn,
    RespondentsIn,
    VoiceAnswerOut,
)
from hotline.surveys.campaigns import Added, CampaignSettings, Respondent
from hotline.surveys.models import SurveyCampaign
from hotline.surveys.schemas import FrameIn
from hotline.surveys.states import CAMPAIGN_ZH, CampaignAction, CampaignState
from hotline.web.auth import Principal, require
from hotline.web.deps import IdPath, SessionDep, SettingsDep

router = APIRouter(prefix="/api/surveys", tags=["surveys"])
SurveysRead = Annotated[Principal, Depends(require("surveys.read"))]
SurveysRun = Annotated[Principal, Depends(require("surveys.run"))]


def _out(session: Session, c: SurveyCampaign) -> CampaignOut:
    return CampaignOut(
        id=c.id,
        survey_id=c.survey_id,
        name=c.name,
        state=c.state,
        state_zh=CAMPAIGN_ZH[CampaignState(c.state)],
        max_lines=c.max_lines,
        max_attempts=c.max_attempts,
        retry_minutes=c.retry_minutes,
        ring_seconds=c.ring_seconds,
        caller_number=c.caller_number,
        created_at=c.created_at,
        version=c.version,
        quotas=c.quotas,
        progress=CampaignProgress(**campaigns.progress(session, c.id)),
    )


@router.post("/{survey_id}/campaigns", response_model=CampaignOut, status_code=201)
def create(survey_id: IdPath, body: CampaignIn, p: SurveysRun, session: SessionDep) -> CampaignOut:
    c = campaigns.create(session, p.actor, survey_id, CampaignSettings(**body.model_dump()))
    return _out(session, c)


@router.get("/campaigns", response_model=list[CampaignOut])
def list_campaigns(p: SurveysRun, session: SessionDep, survey_id: int | None = None) -> list[CampaignOut]:
    return [_out(session, c) for c in campaigns.campaigns(session, survey_id)]


@router.get("/campaigns/{campaign_id}", response_model=CampaignOut)
def get_campaign(campaign_id: IdPath, p: SurveysRun, session: SessionDep) -> CampaignOut:
    return _out(session, campaigns.get_campaign(session, campaign_id))


@router.post("/campaigns/{campaign_id}/respondents", response_model=AddedOut)
def add_respondents(
    campaign_id: IdPath, body: RespondentsIn, p: SurveysRun, session: SessionDep, settings: SettingsDep
) -> AddedOut:
    rows = [Respondent(r.phone, r.district, r.age_band) for r in body.respondents]
    return _added(campaigns.add_respondents(session, p.actor, campaign_id, rows, settings.dial_plan), p.pii)


@router.post("/campaigns/{campaign_id}/respondents/frame", response_model=AddedOut)
def add_frame(
    campaign_id: IdPath, body: FrameIn, p: SurveysRun, session: SessionDep, settings: SettingsDep
) -> AddedOut:
    """Respondents from a sample frame: callers by district, age and care profile, or the people
    whose work orders were closed in a period (a return-visit survey); the report names the
    numbers refused (already in the campaign, a class the dial plan does not ring)."""
    f = frames.Frame(**body.model_dump(exclude={"limit"}))
    rows = [
        Respondent(m.phone, m.district, m.age_band, m.caller_id, m.work_order_id)
        for m in frames.members(session, f, body.limit)
    ]
    return _added(campaigns.add_respondents(session, p.actor, campaign_id, rows, settings.dial_plan), p.pii)


def _added(added: Added, pii: bool) -> AddedOut:
    rejected = added.rejected if pii else [{**r, "phone": mask_phone(r["phone"])} for r in added.rejected]
    return AddedOut(added=added.added, rejected=rejected)


MAX_UPLOAD = 5 * 1024 * 1024


@router.post("/campaigns/{campaign_id}/respondents/import", response_model=AddedOut)
def import_respondents(
    campaign_id: IdPath,
    p: SurveysRun,
    session: SessionDep,
    settings: SettingsDep,
    file: UploadFile = File(..., description="an .xlsx list: 电话 (phone) and optional 区, 年龄段 or 年龄"),
) -> AddedOut:
    """Respondents from an Excel list; the validation report names each refused row."""
    data = file.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise Invalid("the file is over 5 MB", "文件超过 5 MB")
    added = sample_import.import_xlsx(session, p.actor, campaign_id, data, settings.dial_plan)
    return _added(added, p.pii)


@router.put("/campaigns/{campaign_id}/quotas", response_model=CampaignOut)
def edit_quotas(campaign_id: IdPath, body: QuotasEditIn, p: SurveysRun, session: SessionDep) -> CampaignOut:
    """Change the quotas of a paused or running campaign (read afresh at the dialler's next claim)."""
    new = body.quotas.model_dump() if body.quotas else None
    return _out(session, quotas.edit(session, p.actor, campaign_id, new, body.version))


@router.post("/campaigns/{campaign_id}/{action}", response_model=CampaignOut)
def act(
    campaign_id: IdPath, action: Literal["start", "pause", "finish"], p: SurveysRun, session: SessionDep
) -> CampaignOut:
    """start (also resumes a paused campaign), pause (calls in progress end normally), finish."""
    return _out(session, campaigns.act(session, p.actor, campaign_id, CampaignAction(action)))


@router.get("/do-not-call", response_model=list[DoNotCallOut])
def do_not_call(p: SurveysRun, session: SessionDep) -> list[DoNotCallOut]:
    return [
        DoNotCallOut(
            id=r.id,
            phone=r.phone if p.pii else mask_phone(r.phone) or "",
            reason=r.reason,
            created_at=r.created_at,
        )
        for r in campaigns.do_not_call(session)
    ]


@router.post("/do-not-call", response_model=DoNotCallOut, status_code=201)
def add_do_not_call(body: DoNotCallIn, p: SurveysRun, session: SessionDep) -> DoNotCallOut:
    r = campaigns.add_do_not_call(session, p.actor, body.phone, body.reason)
    phone = r.phone if p.pii else mask_phone(r.phone) or ""
    return DoNotCallOut(id=r.id, phone=phone, reason=r.reason, created_at=r.created_at)


@router.delete("/do-not-call/{entry_id}", status_code=204)
def remove_do_not_call(entry_id: IdPath, p: SurveysRun, session: SessionDep) -> None:
    campaigns.remove_do_not_call(session, p.actor, entry_id)


@router.get("/{survey_id}/voice-answers", response_model=list[VoiceAnswerOut])
def voice_answers(survey_id: IdPath, p: SurveysRead, session: SessionDep) -> list[VoiceAnswerOut]:
    return [
        VoiceAnswerOut(
            id=v.id,
            response_id=v.response_id,
            question=v.question,
            seconds=v.seconds,
            created_at=v.created_at,
        )
        for v in campaigns.voice_answers(session, survey_id)
    ]


@router.get(
    "/voice-answers/{answer_id}/audio",
    response_class=FileResponse,
    responses={200: {"content": {"audio/wav": {}}}},
)
def voice_audio(answer_id: IdPath, p: SurveysRead, session: SessionDep) -> FileResponse:
    row = campaigns.voice_answer(session, p.actor, answer_id)
    path = Path(row.path)
    if not path.is_file():
        raise NotFound("the recording is missing", "录音文件缺失")
    return FileResponse(path, media_type="audio/wav", filename=path.name)
