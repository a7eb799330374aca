"""Shaping questionnaires for the API: summaries with response counts, the designer's view with
its versions, and respondents' start pages."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.surveys import respond, service
from hotline.surveys.models import Survey
from hotline.surveys.schemas import StartOut, SurveyOut, SurveySummary, VersionSummary
from hotline.surveys.states import STATE_ZH, SurveyState


def summary(s: Survey, completed: int = 0) -> SurveySummary:
    return SurveySummary(
        id=s.id,
        title=s.title,
        state=s.state,
        state_zh=STATE_ZH[SurveyState(s.state)],
        published_number=s.published_number,
        draft_changed=s.draft_changed,
        completed=completed,
        version=s.version,
        updated_at=s.updated_at,
    )


def summaries(session: Session, state: str | None) -> list[SurveySummary]:
    return [summary(s, n) for s, n in service.list_surveys(session, state)]


def survey_out(session: Session, s: Survey) -> SurveyOut:
    versions = [
        VersionSummary(number=v.number, author=v.author, created_at=v.created_at, completed=n)
        for v, n in service.versions(session, s.id)
    ]
    return SurveyOut(
        **summary(s, sum(v.completed for v in versions)).model_dump(), draft=s.draft, versions=versions
    )


def started(st: respond.Started, phone: bool = False) -> StartOut:
    r = st.response
    return StartOut(
        resume_key=st.resume_key,
        resumed=st.resumed,
        version=r.version_number,
        page=r.page,
        answers=r.answers,
        survey=respond.rendered(st.definition, r.seed, phone),
    )
