"""Questionnaire files over HTTP: responses as CSV, XLSX and SPSS .sav; definitions as JSON and
LimeSurvey .lss, and importing either. Thin: the work is in `hotline.surveys.export`/`transfer`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile

from hotline.surveys import export, lss, transfer, views
from hotline.surveys.schemas import ImportOut
from hotline.web.auth import Principal, require
from hotline.web.deps import IdPath, SessionDep
from hotline.web.routers.survey_results import FiltersDep

router = APIRouter(prefix="/api/surveys", tags=["surveys"])
SurveysRead = Annotated[Principal, Depends(require("surveys.read"))]
SurveysWrite = Annotated[Principal, Depends(require("surveys.write"))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 5 * 1024 * 1024


def _file(data: bytes, media: str, name: str) -> Response:
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get(
    "/{survey_id}/export.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}}
)
def export_csv(survey_id: IdPath, p: SurveysRead, session: SessionDep, f: FiltersDep) -> Response:
    data = export.to_csv(session, p.actor, survey_id, f, p.pii)
    return _file(data, "text/csv; charset=utf-8", f"survey-{survey_id}.csv")


@router.get("/{survey_id}/export.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
def export_xlsx(survey_id: IdPath, p: SurveysRead, session: SessionDep, f: FiltersDep) -> Response:
    data = export.to_xlsx(session, p.actor, survey_id, f, p.pii)
    return _file(data, XLSX, f"survey-{survey_id}.xlsx")


@router.get(
    "/{survey_id}/export.sav",
    response_class=Response,
    responses={200: {"content": {"application/x-spss-sav": {}}}},
)
def export_sav(survey_id: IdPath, p: SurveysRead, session: SessionDep, f: FiltersDep) -> Response:
    data = export.to_sav(session, p.actor, survey_id, f, p.pii)
    return _file(data, "application/x-spss-sav", f"survey-{survey_id}.sav")


@router.get(
    "/{survey_id}/definition.json",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
def definition_json(
    survey_id: IdPath,
    p: SurveysRead,
    session: SessionDep,
    version: int | None = Query(None, ge=1, le=100_000, description="a published version; default the draft"),
) -> Response:
    data = transfer.to_json(transfer.definition_of(session, survey_id, version))
    return _file(data, "application/json", f"survey-{survey_id}.json")


@router.get(
    "/{survey_id}/definition.lss",
    response_class=Response,
    responses={200: {"content": {"application/xml": {}}}},
)
def definition_lss(
    survey_id: IdPath,
    p: SurveysRead,
    session: SessionDep,
    version: int | None = Query(None, ge=1, le=100_000, description="a published version; default the draft"),
) -> Response:
    data = lss.export_lss(transfer.definition_of(session, survey_id, version))
    return _file(data, "application/xml", f"survey-{survey_id}.lss")


@router.post("/import", response_model=ImportOut, status_code=201)
def import_survey(p: SurveysWrite, session: SessionDep, file: UploadFile = File(...)) -> ImportOut:
    """A new draft from a .json or LimeSurvey .lss file (422 naming what is wrong)."""
    data = file.file.read(MAX_UPLOAD + 1)
    survey, warnings = transfer.import_file(session, p.actor, file.filename or "", data)
    return ImportOut(survey=views.survey_out(session, survey), warnings=warnings)
