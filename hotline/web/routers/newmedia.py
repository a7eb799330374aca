"""New media over HTTP: the WeChat auto-replies, posts and their review, the content calendar,
publications, and the public website (pages and RSS feed, `PUBLIC_ROUTES`). Thin: the work is
in `hotline.newmedia`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from hotline.newmedia import turns
from hotline.web.auth import Principal, require
from hotline.web.deps import SessionDep

router = APIRouter(prefix="/api/newmedia", tags=["newmedia"])
PUBLIC_ROUTES: set[tuple[str, str]] = set()

NewMediaRead = Annotated[Principal, Depends(require("newmedia.read"))]
NewMediaWrite = Annotated[Principal, Depends(require("newmedia.write"))]
NewMediaReview = Annotated[Principal, Depends(require("newmedia.review"))]


@router.get("/wechat/turns", response_model=list[turns.TurnOut])
def list_turns(
    _: NewMediaRead,
    session: SessionDep,
    outcome: str | None = Query(None, pattern="^(answered|handed_over)$"),
    before: int | None = Query(None, ge=1, le=2**31 - 1, description="the last id of the page shown"),
    limit: int = Query(50, ge=1, le=200),
) -> list[turns.TurnOut]:
    """WeChat messages and what the auto-reply did: answered from an article, or handed to an agent."""
    return turns.listing(session, outcome, before, limit)


@router.get("/wechat/stats", response_model=turns.TurnStats)
def turn_stats(_: NewMediaRead, session: SessionDep) -> turns.TurnStats:
    return turns.stats(session)
