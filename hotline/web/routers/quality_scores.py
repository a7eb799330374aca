"""Quality scores over HTTP: the inspector's scoring, the agent's own scores with acknowledge
and appeal (申诉), the supervisor's decision, calibration and scorecards (with Excel export).
Thin: the work is in `hotline.quality.scores` and `hotline.quality.reports`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response

from hotline.knowledge import usage
from hotline.quality import forms, reports, scores
from hotline.quality.schemas import (
    AppealIn,
    ArticleUsed,
    CalibrationOut,
    DecisionIn,
    FormOut,
    ScorecardOut,
    ScoreOut,
    ScoreSaveIn,
    ScoreStartIn,
    VersionIn,
)
from hotline.schemas import MAX_ID
from hotline.web.auth import Principal, require
from hotline.web.deps import SessionDep

router = APIRouter(prefix="/api/quality", tags=["quality"])
QualityRead = Annotated[Principal, Depends(require("quality.read"))]
QualityWrite = Annotated[Principal, Depends(require("quality.write"))]
QualityOwn = Annotated[Principal, Depends(require("quality.own"))]
QualityDecide = Annotated[Principal, Depends(require("quality.decide"))]
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _detail(session: SessionDep, score: scores.Score) -> ScoreOut:
    """One score with what the inspector reads beside it: its form version and the knowledge
    articles used on the call (the work order is on every score, from the recording)."""
    out = scores.out(session, score)
    out.form = FormOut.model_validate(forms.get(session, score.form_id))
    out.articles = [ArticleUsed.model_validate(a) for a in usage.used_on_call(session, score.call_uuid)]
    return out


# --- inspectors --------------------------------------------------------------------------------


@router.post("/scores", response_model=ScoreOut, status_code=201)
def start_score(body: ScoreStartIn, p: QualityWrite, session: SessionDep) -> ScoreOut:
    score = scores.start(session, p.actor, body.call_id, body.form_id, body.task_id, body.calibration)
    return _detail(session, score)


@router.get("/scores", response_model=list[ScoreOut])
def list_scores(
    _: QualityRead,
    session: SessionDep,
    agent_id: int | None = Query(None, ge=1, le=MAX_ID),
    inspector_id: int | None = Query(None, ge=1, le=MAX_ID),
    state: str | None = Query(None, max_length=16),
    call_id: str | None = Query(None, max_length=64),
    calibration: bool | None = None,
) -> list[ScoreOut]:
    rows = scores.listing(
        session,
        agent_id=agent_id,
        inspector_id=inspector_id,
        state=state,
        call_id=call_id,
        calibration=calibration,
    )
    return [scores.out(session, s) for s in rows]


@router.get("/scores/{score_id}", response_model=ScoreOut)
def get_score(score_id: Id, _: QualityRead, session: SessionDep) -> ScoreOut:
    return _detail(session, scores.get(session, score_id))


@router.put("/scores/{score_id}", response_model=ScoreOut)
def save_score(score_id: Id, body: ScoreSaveIn, p: QualityWrite, session: SessionDep) -> ScoreOut:
    score = scores.save(session, p.actor, score_id, body.version, body.answers, body.comments, submit=False)
    return _detail(session, score)


@router.post("/scores/{score_id}/submit", response_model=ScoreOut)
def submit_score(score_id: Id, body: ScoreSaveIn, p: QualityWrite, session: SessionDep) -> ScoreOut:
    score = scores.save(session, p.actor, score_id, body.version, body.answers, body.comments, submit=True)
    return _detail(session, score)


@router.get("/calibration/{call_id}", response_model=CalibrationOut)
def calibration(
    call_id: Annotated[str, Path(max_length=64)], _: QualityRead, session: SessionDep
) -> CalibrationOut:
    return CalibrationOut.model_validate(reports.calibration(session, call_id))


# --- the agent's own scores --------------------------------------------------------------------


@router.get("/my/scores", response_model=list[ScoreOut])
def my_scores(p: QualityOwn, session: SessionDep) -> list[ScoreOut]:
    return [scores.out(session, s) for s in scores.mine(session, p.user_id)]


@router.get("/my/scores/{score_id}", response_model=ScoreOut)
def my_score(score_id: Id, p: QualityOwn, session: SessionDep) -> ScoreOut:
    return _detail(session, scores.own(session, p.user_id, score_id))


@router.post("/my/scores/{score_id}/acknowledge", response_model=ScoreOut)
def acknowledge(score_id: Id, body: VersionIn, p: QualityOwn, session: SessionDep) -> ScoreOut:
    return _detail(session, scores.acknowledge(session, p.actor, score_id, body.version))


@router.post("/my/scores/{score_id}/appeal", response_model=ScoreOut)
def appeal(score_id: Id, body: AppealIn, p: QualityOwn, session: SessionDep) -> ScoreOut:
    return _detail(session, scores.appeal(session, p.actor, score_id, body.version, body.reason))


# --- supervisors -------------------------------------------------------------------------------


@router.get("/appeals", response_model=list[ScoreOut])
def appeals(_: QualityDecide, session: SessionDep) -> list[ScoreOut]:
    return [scores.out(session, s) for s in scores.listing(session, state="appealed", calibration=False)]


@router.get("/appeals/{score_id}", response_model=ScoreOut)
def appeal_detail(score_id: Id, _: QualityDecide, session: SessionDep) -> ScoreOut:
    return _detail(session, scores.get(session, score_id))


@router.post("/appeals/{score_id}/decision", response_model=ScoreOut)
def decide(score_id: Id, body: DecisionIn, p: QualityDecide, session: SessionDep) -> ScoreOut:
    score = scores.decide(session, p.actor, score_id, body.version, body.decision, body.note, body.answers)
    return _detail(session, score)


# --- scorecards --------------------------------------------------------------------------------


@router.get("/scorecards", response_model=list[ScorecardOut])
def scorecards(
    _: QualityRead,
    session: SessionDep,
    since: datetime,
    until: datetime,
    by: Literal["agent", "team"] = "agent",
) -> list[ScorecardOut]:
    return [ScorecardOut.model_validate(c) for c in reports.scorecards(session, since, until, by)]


@router.get("/scorecards.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
def scorecards_xlsx(
    _: QualityRead,
    session: SessionDep,
    since: datetime,
    until: datetime,
    by: Literal["agent", "team"] = "agent",
) -> Response:
    data = reports.scorecards_xlsx(reports.scorecards(session, since, until, by), since, until)
    headers = {"Content-Disposition": 'attachment; filename="quality-scorecards.xlsx"'}
    return Response(data, media_type=XLSX, headers=headers)
