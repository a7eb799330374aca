"""Reports counted from raw rows over HTTP: repeat callers (重复来电) and knowledge usage
(知识库使用), each with its drill-down; the work is in `hotline.analytics.repeats` and
`hotline.analytics.knowledge_use`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from hotline.analytics import knowledge_use, repeats
from hotline.analytics.schemas import KnowledgeDrillOut, RepeatDrillOut, ReportOut
from hotline.web.deps import SessionDep
from hotline.web.routers.analytics import Id, PeriodDep, Reader

router = APIRouter(prefix="/api/analytics", tags=["analytics"])
Within = Query(7, ge=1, le=90, description="a number calling again within this many days")


@router.get("/repeats", response_model=ReportOut)
def repeats_report(
    _: Reader,
    session: SessionDep,
    period: PeriodDep,
    within: int = Within,
    by: str | None = Query(None, max_length=16, description="queue | agent"),
    queue: str | None = Query(None, max_length=64),
) -> dict[str, Any]:
    return repeats.report(session, period, within, by, queue)


@router.get("/repeats/drill", response_model=RepeatDrillOut)
def repeats_drill(
    p: Reader,
    session: SessionDep,
    period: PeriodDep,
    within: int = Within,
    queue: str | None = Query(None, max_length=64),
    agent_id: int | None = Id,
    same_matter: bool = False,
    limit: int = Query(50, ge=1, le=200),
) -> dict[str, Any]:
    return repeats.drill(session, period, within, queue, agent_id, same_matter, p.pii, limit)


@router.get("/knowledge", response_model=ReportOut)
def knowledge_report(
    _: Reader,
    session: SessionDep,
    period: PeriodDep,
    by: str | None = Query(None, max_length=16, description="article | category | agent"),
) -> dict[str, Any]:
    return knowledge_use.report(session, period, by)


@router.get("/knowledge/drill", response_model=KnowledgeDrillOut)
def knowledge_drill(
    p: Reader,
    session: SessionDep,
    period: PeriodDep,
    article_id: int | None = Id,
    category: str | None = Query(None, max_length=200),
    agent_id: int | None = Id,
    limit: int = Query(50, ge=1, le=200),
) -> dict[str, Any]:
    return knowledge_use.drill(session, period, article_id, category, agent_id, p.pii, limit)
