"""Opinion monitoring over HTTP: sources with their fetch status, items with their groups and
risk. Thin: the work is in `hotline.opinion`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from hotline.opinion import items, sources
from hotline.opinion.sources import SourceIn, SourcePatch
from hotline.web.auth import Principal, require
from hotline.web.deps import IdPath, SessionDep

router = APIRouter(prefix="/api/opinion", tags=["opinion"])

OpinionRead = Annotated[Principal, Depends(require("opinion.read"))]
OpinionWrite = Annotated[Principal, Depends(require("opinion.write"))]
OpinionHandle = Annotated[Principal, Depends(require("opinion.handle"))]


@router.get("/sources", response_model=list[dict[str, Any]])
def list_sources(_: OpinionRead, session: SessionDep) -> list[dict[str, Any]]:
    """Every source with its last fetch: status (ok, not_modified, failed, blocked, never) and why."""
    return sources.listing(session)


@router.post("/sources", response_model=dict[str, Any], status_code=201)
def create_source(body: SourceIn, p: OpinionWrite, session: SessionDep) -> dict[str, Any]:
    return sources.create(session, p.actor, body)


@router.patch("/sources/{source_id}", response_model=dict[str, Any])
def update_source(
    source_id: IdPath, body: SourcePatch, p: OpinionWrite, session: SessionDep
) -> dict[str, Any]:
    return sources.update(session, p.actor, source_id, body)


@router.post("/sources/{source_id}/fetch", response_model=dict[str, Any])
def fetch_source_now(source_id: IdPath, p: OpinionWrite, session: SessionDep) -> dict[str, Any]:
    """Make the source due at once: the next fetch run (within a minute) takes it."""
    return sources.fetch_now(session, p.actor, source_id)


@router.get("/items", response_model=list[dict[str, Any]])
def list_items(
    _: OpinionRead,
    session: SessionDep,
    source_id: int | None = Query(None, ge=1, le=2**31 - 1),
    group_id: int | None = Query(None, ge=1, le=2**31 - 1),
    rule_id: int | None = Query(None, ge=1, le=2**31 - 1),
    min_risk: float | None = Query(None, ge=0, le=100),
    q: str | None = Query(None, max_length=100),
    originals: bool = Query(False, description="leave out reposts and copies (near-duplicates)"),
    before: int | None = Query(None, ge=1, le=2**31 - 1, description="the last id of the page shown"),
    limit: int = Query(50, ge=1, le=200),
) -> list[dict[str, Any]]:
    return items.page(
        session,
        source_id=source_id,
        group_id=group_id,
        rule_id=rule_id,
        min_risk=min_risk,
        q=q,
        originals_only=originals,
        before=before,
        limit=limit,
    )


@router.get("/items/{item_id}", response_model=dict[str, Any])
def get_item(item_id: IdPath, _: OpinionRead, session: SessionDep) -> dict[str, Any]:
    return items.one(session, item_id)


@router.get("/groups", response_model=list[dict[str, Any]])
def list_groups(
    _: OpinionRead,
    session: SessionDep,
    min_size: int = Query(1, ge=1, le=10_000),
    limit: int = Query(50, ge=1, le=200),
) -> list[dict[str, Any]]:
    """Near-duplicate groups, latest activity first, with their size (spread) and highest risk."""
    return items.groups(session, limit, min_size)
