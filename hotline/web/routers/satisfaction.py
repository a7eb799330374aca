"""Satisfaction over HTTP: each queue's announcement and survey settings, the callers' answers,
the 不满意 flags supervisors handle, and counts with the satisfaction rate per queue or agent.
Thin: the work is in `hotline.satisfaction`."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import AwareDatetime

from hotline.satisfaction import queries, service
from hotline.satisfaction.queries import AnswerFilters
from hotline.satisfaction.scales import Level
from hotline.satisfaction.schemas import (
    AcknowledgeIn,
    AnswerOut,
    QueueSettingsIn,
    QueueSettingsOut,
    SummaryRow,
)
from hotline.satisfaction.states import Flag
from hotline.schemas import Page
from hotline.web.auth import Principal, require
from hotline.web.deps import IdPath, ListDep, SessionDep

router = APIRouter(prefix="/api/satisfaction", tags=["satisfaction"])
QueueReader = Annotated[Principal, Depends(require("acd.read"))]
Configurer = Annotated[Principal, Depends(require("satisfaction.configure"))]
Reader = Annotated[Principal, Depends(require("satisfaction.read"))]
Handler = Annotated[Principal, Depends(require("satisfaction.flag"))]
QueueName = Annotated[str, Path(min_length=1, max_length=64)]


def _filters(
    queue: str | None = Query(None, max_length=64),
    agent_id: int | None = Query(None, ge=1, le=2**31 - 1),
    level: Level | None = None,
    call_id: str | None = Query(None, max_length=64, description="the call's (CDR's) uuid"),
    # With a zone (a naive time is a 422, never a guess): the answers are stored in UTC.
    since: AwareDatetime | None = Query(None, description="answered at or after (ISO 8601 with zone)"),
    until: AwareDatetime | None = Query(None, description="answered before (ISO 8601 with zone)"),
) -> AnswerFilters:
    return AnswerFilters(
        queue=queue, agent_id=agent_id, level=level, call_uuid=call_id, since=since, until=until
    )


FiltersDep = Annotated[AnswerFilters, Depends(_filters)]


@router.get("/queues", response_model=list[QueueSettingsOut])
def queue_settings(_: QueueReader, session: SessionDep) -> list[QueueSettingsOut]:
    """Every queue's agent-number announcement and post-call survey settings."""
    return queries.all_settings(session)


@router.put("/queues/{queue}", response_model=QueueSettingsOut)
def put_queue_settings(
    queue: QueueName, body: QueueSettingsIn, p: Configurer, session: SessionDep
) -> QueueSettingsOut:
    """Turn the announcement or the survey on or off for a queue, and pick the scale (3 or 5)."""
    return QueueSettingsOut.model_validate(service.put_settings(session, p.actor, queue, body))


@router.get("/answers", response_model=Page[AnswerOut])
def answers(_: Reader, session: SessionDep, page: ListDep, filters: FiltersDep) -> dict[str, object]:
    """The callers' answers, newest first (sort: answered_at, score), filtered."""
    return queries.page_answers(session, filters, page)


@router.get("/flags", response_model=Page[AnswerOut])
def flags(
    _: Reader, session: SessionDep, page: ListDep, filters: FiltersDep, state: Flag = Flag.open
) -> dict[str, object]:
    """不满意 answers flagged for the supervisor: open ones first of all (state=acknowledged for
    those handled)."""
    return queries.page_answers(session, AnswerFilters(**{**filters.__dict__, "flag": state.value}), page)


@router.post("/answers/{answer_id}/acknowledge", response_model=AnswerOut)
def acknowledge(answer_id: IdPath, body: AcknowledgeIn, p: Handler, session: SessionDep) -> AnswerOut:
    """The supervisor handled a 不满意 flag (the note says how)."""
    return queries.answer_out(service.acknowledge(session, p.actor, answer_id, body.version, body.note))


@router.get("/summary", response_model=list[SummaryRow])
def summary(
    _: Reader, session: SessionDep, filters: FiltersDep, by: Literal["queue", "agent"] = "queue"
) -> list[SummaryRow]:
    """Answers per queue or agent and level, with the satisfaction rate ((满意 + 基本满意) / rated)."""
    return queries.summary(session, filters, by)
