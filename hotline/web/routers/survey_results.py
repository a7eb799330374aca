"""Questionnaire results over HTTP: tallies, cross-tabs, open-text words and texts. Thin: the
counting is in `hotline.surveys.results`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from hotline.surveys import results
from hotline.surveys.schemas import CrossTabOut, TalliesOut, TextOut, WordOut
from hotline.web.auth import Principal, require
from hotline.web.deps import IdPath, SessionDep

router = APIRouter(prefix="/api/surveys", tags=["surveys"])
SurveysRead = Annotated[Principal, Depends(require("surveys.read"))]
Code = Annotated[str, Query(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,31}$")]


def filters(
    version: int | None = Query(None, ge=1, le=100_000),
    channel: str | None = Query(None, max_length=16),
    district: str | None = Query(None, max_length=64),
    since: datetime | None = None,
    until: datetime | None = None,
) -> results.Filters:
    return results.Filters(version, channel, district, since, until)


FiltersDep = Annotated[results.Filters, Depends(filters)]


@router.get("/{survey_id}/results", response_model=TalliesOut)
def tallies(survey_id: IdPath, p: SurveysRead, session: SessionDep, f: FiltersDep) -> TalliesOut:
    return TalliesOut(**results.tallies(session, survey_id, f))


@router.get("/{survey_id}/crosstab", response_model=CrossTabOut)
def crosstab(
    survey_id: IdPath,
    p: SurveysRead,
    session: SessionDep,
    f: FiltersDep,
    question: Code,
    by: results.By = "district",
) -> CrossTabOut:
    return CrossTabOut(**results.crosstab(session, survey_id, question, by, f))


@router.get("/{survey_id}/words", response_model=list[WordOut])
def words(
    survey_id: IdPath,
    p: SurveysRead,
    session: SessionDep,
    f: FiltersDep,
    question: Code,
    top: int = Query(50, ge=1, le=200),
) -> list[WordOut]:
    return [WordOut(**w) for w in results.words(session, survey_id, question, f, top)]


@router.get("/{survey_id}/texts", response_model=list[TextOut])
def texts(
    survey_id: IdPath,
    p: SurveysRead,
    session: SessionDep,
    f: FiltersDep,
    question: Code,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> list[TextOut]:
    return [TextOut(**t) for t in results.texts(session, survey_id, question, f, p.pii, limit, offset)]
