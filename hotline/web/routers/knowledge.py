"""The knowledge base over HTTP: articles and their workflow, versions, search, suggestions (as-you-type
and during a call), usage, statistics, import/export. Thin: the work is in `hotline.knowledge`.

Searches first let the index catch up with committed changes (`index.catch_up`), so a write is
searchable on the next request; the first catch-up after a start also verifies the whole index.
The sweep (scheduled publication, retirement at valid-until, reminders) runs as a background job
(`hotline.knowledge.jobs`) and on demand here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import AwareDatetime
from sqlalchemy.orm import Session

from hotline.errors import Forbidden, NotFound
from hotline.knowledge import incall, index, search, service, usage, views
from hotline.knowledge.content import diff, get_version, is_served, served_content
from hotline.knowledge.schemas import (
    ActionIn,
    ArticleIn,
    ArticleOut,
    ArticlePatch,
    ArticleSummary,
    DiffOut,
    InCallIn,
    InCallItem,
    LinkIn,
    LinkOut,
    RollbackIn,
    SearchHit,
    SearchOut,
    SuggestItem,
    UseIn,
    VersionOut,
    VoteIn,
)
from hotline.knowledge.workflow import ENDPOINT_ACTIONS, TRANSITIONS, State
from hotline.schemas import Page
from hotline.store.base import utcnow
from hotline.web.auth import Principal, require
from hotline.web.deps import ListDep, SessionDep

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/knowledge", tags=["knowledge"])
KnowledgeRead = Annotated[Principal, Depends(require("knowledge.read"))]
KnowledgeWrite = Annotated[Principal, Depends(require("knowledge.write"))]
KnowledgeReview = Annotated[Principal, Depends(require("knowledge.review"))]


def _index(request: Request) -> index.KnowledgeIndex:
    return index.get_index(request.app.state.settings.data_dir, request.app.state.db.url)


def fresh_index(request: Request, session: Session) -> index.KnowledgeIndex:
    return views.fresh_index(session, request.app.state.settings.data_dir, request.app.state.db.url)


# --- articles ------------------------------------------------------------------------------------


@router.get("/articles", response_model=Page[ArticleSummary])
def list_articles(
    params: ListDep,
    principal: KnowledgeRead,
    session: SessionDep,
    state: State | None = None,
    category: str | None = Query(None, max_length=200),
    q: str | None = Query(None, max_length=100, description="title contains"),
) -> dict[str, object]:
    served_only = not principal.can("knowledge.write")
    return views.articles_page(session, params, served_only, state, category, q)


@router.post("/articles", response_model=ArticleOut, status_code=201)
def create_article(body: ArticleIn, principal: KnowledgeWrite, session: SessionDep) -> ArticleOut:
    return views.article_out(session, service.create_article(session, principal.actor, body))


@router.get("/articles/{article_id}", response_model=ArticleOut)
def get_article(
    article_id: int,
    principal: KnowledgeRead,
    session: SessionDep,
    view: Literal["served", "working"] = Query(
        "served",
        description="served: what agents read (the published version while a revision is in "
        "progress); working: the editable copy (knowledge.write)",
    ),
) -> ArticleOut:
    a = service.get_article(session, article_id)
    working = view == "working" or not is_served(a)
    if working and not principal.can("knowledge.write"):
        raise NotFound(f"article {article_id} does not exist", f"知识条目 {article_id} 不存在")
    out = views.article_out(session, a)
    if view == "served" and not principal.can("knowledge.write"):
        usage.log_view(session, principal.actor, a.id)
    if working:
        return out.model_copy(update={"view": "working"})
    # Reading a policy to a caller must never show an unreviewed revision, so the served view
    # replaces the content with the live version's snapshot.
    content, _ = served_content(session, a)
    dates = {
        k: datetime.fromisoformat(content[k]) if content.get(k) else None
        for k in ("valid_from", "valid_until")
    }
    return out.model_copy(update={**content, **dates, "view": "served"})


@router.patch("/articles/{article_id}", response_model=ArticleOut)
def update_article(
    article_id: int, body: ArticlePatch, principal: KnowledgeWrite, session: SessionDep
) -> ArticleOut:
    return views.article_out(session, service.update_article(session, principal.actor, article_id, body))


@router.delete("/articles/{article_id}", status_code=204)
def delete_article(
    article_id: int,
    principal: KnowledgeWrite,
    session: SessionDep,
    version: int = Query(..., description="the version you last read (409 if stale)"),
) -> Response:
    service.delete_article(session, principal.actor, article_id, version)
    return Response(status_code=204)


def _action_endpoint(action: str) -> Callable[..., ArticleOut]:
    permission = next(t.permission for t in TRANSITIONS if t.action == action)

    def endpoint(
        article_id: int,
        body: ActionIn,
        session: SessionDep,
        # A default, not an alias: the permission is this closure's, which a string annotation
        # (postponed evaluation) could not see.
        principal: Principal = Depends(require(permission)),
    ) -> ArticleOut:
        a = service.act(
            session, principal.actor, article_id, action, body.version, body.note, body.publish_at
        )
        return views.article_out(session, a)

    endpoint.__name__ = f"{action}_article"
    endpoint.__doc__ = (
        f"Workflow action `{action}` (needs {permission}); 409 when not allowed from the state."
    )
    return endpoint


for _action in ENDPOINT_ACTIONS:
    router.add_api_route(
        f"/articles/{{article_id}}/{_action}",
        _action_endpoint(_action),
        methods=["POST"],
        response_model=ArticleOut,
    )


@router.get("/articles/{article_id}/versions", response_model=list[VersionOut])
def list_versions(article_id: int, _: KnowledgeWrite, session: SessionDep) -> list[VersionOut]:
    return views.versions_out(session, article_id)


@router.get("/articles/{article_id}/versions/{number}")
def get_version_content(
    article_id: int, number: int, _: KnowledgeWrite, session: SessionDep
) -> dict[str, Any]:
    v = get_version(session, article_id, number)
    if v is None:
        raise NotFound(f"article {article_id} has no version {number}", f"该条目没有第 {number} 版")
    return {"number": v.number, "note": v.note, "author": v.author, "content": v.content}


@router.get("/articles/{article_id}/diff", response_model=DiffOut)
def diff_versions(
    article_id: int,
    _: KnowledgeWrite,
    session: SessionDep,
    from_version: int = Query(..., alias="from", ge=1),
    to_version: int = Query(..., alias="to", ge=1),
) -> DiffOut:
    old, new = get_version(session, article_id, from_version), get_version(session, article_id, to_version)
    if old is None or new is None:
        raise NotFound("no such version of this article", "该条目没有所选版本")
    from hotline.knowledge.content import changed_fields

    return DiffOut(
        article_id=article_id,
        from_version=from_version,
        to_version=to_version,
        changed=changed_fields(old.content, new.content),
        diff=diff(old.content, new.content, f"v{from_version}", f"v{to_version}"),
    )


@router.post("/articles/{article_id}/rollback", response_model=ArticleOut)
def rollback_article(
    article_id: int, body: RollbackIn, principal: KnowledgeWrite, session: SessionDep
) -> ArticleOut:
    a = service.rollback(session, principal.actor, article_id, body.version, body.to_version)
    return views.article_out(session, a)


# --- search --------------------------------------------------------------------------------------


@router.get("/search", response_model=SearchOut)
def search_articles(
    request: Request,
    principal: KnowledgeRead,
    session: SessionDep,
    q: str = Query("", max_length=100),
    category: str | None = Query(None, max_length=200),
    region: str | None = Query(None, max_length=64),
    state: State | None = None,
    all_states: bool = Query(False, description="writers: include drafts, retired and expired"),
    limit: int = Query(10, ge=1, le=50),
) -> SearchOut:
    idx = fresh_index(request, session)
    served_only = not (all_states and principal.can("knowledge.write"))
    filters = search.Filters(category, region, state.value if state else None, served_only)
    started = utcnow()
    hits, total = search.run(idx, q, filters, limit=limit, cache=views.embedding_cache(idx))
    took = (utcnow() - started).total_seconds() * 1000
    usage.log_search(session, principal.actor, q, len(hits))
    now = utcnow()
    return SearchOut(
        query=q,
        total=total,
        took_ms=round(took, 2),
        hits=[
            SearchHit(
                id=h.id,
                title=h.title,
                title_hl=h.title_hl,
                snippet=h.snippet,
                category=str(h.data.get("category", "")),
                region=str(h.data.get("region", "")),
                state=str(h.data.get("state", "")),
                served=bool(h.data.get("served")),
                expired=not search.alive(h.data, now) and bool(h.data.get("served")),
                score=round(h.score, 4),
            )
            for h in hits
        ],
    )


@router.get("/suggest", response_model=list[SuggestItem])
def suggest_articles(
    request: Request,
    _: KnowledgeRead,
    session: SessionDep,
    q: str = Query("", max_length=50),
    category: str | None = Query(None, max_length=200),
    limit: int = Query(8, ge=1, le=20),
) -> list[SuggestItem]:
    idx = fresh_index(request, session)
    hits = search.suggest(idx, q, search.Filters(category=category), limit=limit)
    return [
        SuggestItem(id=h.id, title=h.title, title_hl=h.title_hl, category=str(h.data.get("category", "")))
        for h in hits
    ]


@router.post("/in-call", response_model=list[InCallItem])
def in_call_suggestions(
    request: Request, body: InCallIn, p: KnowledgeRead, session: SessionDep
) -> list[InCallItem]:
    """Suggestions from the IVR path, the text and (with `callers.read`) the caller's care profile:
    the reasons name what the profile holds, so naming a caller needs the right to look them up."""
    if body.caller_id is not None and not p.can("callers.read"):
        raise Forbidden(
            "suggestions for a caller need callers.read (they reveal the care profile)",
            "按来电人推荐需要来电人查看权限（会透露关怀档案）",
        )
    idx = fresh_index(request, session)
    found = incall.suggest_in_call(
        session, idx, body.ivr_path, body.caller_id, body.text, body.limit, cache=views.embedding_cache(idx)
    )
    return [
        InCallItem(
            id=s.id,
            title=s.title,
            answer_short=s.answer_short,
            category=s.category,
            score=round(s.score, 4),
            reasons=s.reasons,
        )
        for s in found
    ]


# --- usage and statistics ------------------------------------------------------------------------


@router.post("/articles/{article_id}/use", status_code=204)
def mark_used(article_id: int, body: UseIn, principal: KnowledgeRead, session: SessionDep) -> Response:
    usage.mark_used(session, principal.actor, article_id, body.call_id)
    return Response(status_code=204)


@router.post("/articles/{article_id}/vote", status_code=204)
def vote_article(article_id: int, body: VoteIn, principal: KnowledgeRead, session: SessionDep) -> Response:
    usage.vote(session, principal.actor, article_id, body.helpful)
    return Response(status_code=204)


@router.post("/articles/{article_id}/links", response_model=LinkOut, status_code=201)
def link_article(article_id: int, body: LinkIn, principal: KnowledgeRead, session: SessionDep) -> LinkOut:
    usage.link_work_order(session, principal.actor, article_id, body.work_order_id, body.work_order_type)
    row = next(r for r in usage.links_for(session, body.work_order_id) if r["article_id"] == article_id)
    return LinkOut(**row)


@router.get("/links", response_model=list[LinkOut])
def links_of_work_order(
    _: KnowledgeRead, session: SessionDep, work_order_id: str = Query(..., min_length=1, max_length=64)
) -> list[LinkOut]:
    return [LinkOut(**row) for row in usage.links_for(session, work_order_id)]


@router.get("/stats")
def knowledge_stats(
    _: KnowledgeRead,
    session: SessionDep,
    since: AwareDatetime | None = None,
    limit: int = Query(20, ge=1, le=100),
) -> dict[str, Any]:
    return usage.stats(session, since, limit)
