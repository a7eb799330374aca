"""Questionnaires over HTTP for staff: list, design (draft edits), publish as immutable versions,
close/reopen, check a definition, issue respondent links. Thin: the work is in `hotline.surveys`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from hotline.surveys import links, service, views
from hotline.surveys.models import SurveyLink
from hotline.surveys.schemas import (
    LinkOut,
    LinksOut,
    OpenLinkIn,
    OpenLinkOut,
    SurveyEdit,
    SurveyIn,
    SurveyOut,
    SurveySummary,
    TokenOut,
    TokensIn,
    VersionIn,
    VersionOut,
)
from hotline.surveys.states import SurveyAction, SurveyState
from hotline.web.auth import Principal, require
from hotline.web.deps import IdPath, SessionDep

router = APIRouter(prefix="/api/surveys", tags=["surveys"])
SurveysRead = Annotated[Principal, Depends(require("surveys.read"))]
SurveysWrite = Annotated[Principal, Depends(require("surveys.write"))]
SurveysRun = Annotated[Principal, Depends(require("surveys.run"))]


def _url(secret: str) -> str:
    return f"/s/{secret}"


@router.get("", response_model=list[SurveySummary])
def list_surveys(
    p: SurveysRead, session: SessionDep, state: SurveyState | None = None
) -> list[SurveySummary]:
    return views.summaries(session, state.value if state else None)


@router.post("", response_model=SurveyOut, status_code=201)
def create_survey(body: SurveyIn, p: SurveysWrite, session: SessionDep) -> SurveyOut:
    s = service.create_survey(session, p.actor, service.parse(body.definition))
    return views.survey_out(session, s)


@router.post("/check", response_model=SurveyIn)
def check_definition(body: SurveyIn, p: SurveysWrite) -> SurveyIn:
    """The definition as it would be saved (defaults filled in), or a 422 naming what is wrong."""
    return SurveyIn(definition=service.dump(service.parse(body.definition)))


@router.get("/{survey_id}", response_model=SurveyOut)
def get_survey(survey_id: IdPath, p: SurveysRead, session: SessionDep) -> SurveyOut:
    return views.survey_out(session, service.get_survey(session, survey_id))


@router.put("/{survey_id}", response_model=SurveyOut)
def update_survey(survey_id: IdPath, body: SurveyEdit, p: SurveysWrite, session: SessionDep) -> SurveyOut:
    s = service.update_draft(session, p.actor, survey_id, service.parse(body.definition), body.version)
    return views.survey_out(session, s)


@router.post("/{survey_id}/publish", response_model=VersionOut)
def publish(survey_id: IdPath, body: VersionIn, p: SurveysWrite, session: SessionDep) -> VersionOut:
    v = service.publish(session, p.actor, survey_id, body.version)
    return VersionOut.model_validate(v)


@router.post("/{survey_id}/close", response_model=SurveySummary)
def close(survey_id: IdPath, body: VersionIn, p: SurveysWrite, session: SessionDep) -> SurveySummary:
    return views.summary(service.change_state(session, p.actor, survey_id, SurveyAction.close, body.version))


@router.post("/{survey_id}/reopen", response_model=SurveySummary)
def reopen(survey_id: IdPath, body: VersionIn, p: SurveysWrite, session: SessionDep) -> SurveySummary:
    return views.summary(service.change_state(session, p.actor, survey_id, SurveyAction.reopen, body.version))


@router.get("/{survey_id}/versions/{number}", response_model=VersionOut)
def get_version(survey_id: IdPath, number: IdPath, p: SurveysRead, session: SessionDep) -> VersionOut:
    return VersionOut.model_validate(service.get_version(session, survey_id, number))


@router.post("/{survey_id}/tokens", response_model=list[TokenOut], status_code=201)
def create_tokens(survey_id: IdPath, body: TokensIn, p: SurveysRun, session: SessionDep) -> list[TokenOut]:
    made = links.create_tokens(
        session, p.actor, survey_id, [links.Respondent(**r.model_dump()) for r in body.respondents]
    )
    return [
        TokenOut(link_id=link.id, token=secret, url=_url(secret), label=link.label) for link, secret in made
    ]


@router.post("/{survey_id}/open-links", response_model=OpenLinkOut, status_code=201)
def create_open_link(survey_id: IdPath, body: OpenLinkIn, p: SurveysRun, session: SessionDep) -> OpenLinkOut:
    link, secret = links.create_open_link(
        session, p.actor, survey_id, body.device_limit, body.channel, body.label
    )
    return OpenLinkOut(**_link(link).model_dump(), token=secret, url=_url(secret))


@router.get("/{survey_id}/links", response_model=LinksOut)
def list_links(survey_id: IdPath, p: SurveysRun, session: SessionDep) -> LinksOut:
    opened, counts = links.list_links(session, survey_id)
    return LinksOut(open_links=[_link(x) for x in opened], tokens=counts)


def _link(link: SurveyLink) -> LinkOut:
    return LinkOut.model_validate(link)
