"""New media over HTTP: the WeChat auto-replies, posts and their review, the content calendar,
publications, and the public website (pages and RSS feed, `PUBLIC_ROUTES`). Thin: the work is
in `hotline.newmedia`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from hotline.errors import Invalid
from hotline.newmedia import posts, publish, site, turns
from hotline.newmedia.schemas import (
    ActionIn,
    CalendarDay,
    PostIn,
    PostOut,
    PostPatch,
    PostSummary,
    PublicationOut,
)
from hotline.newmedia.settings import get_newmedia_settings
from hotline.newmedia.states import PERMISSION, Action
from hotline.web.auth import Principal, require
from hotline.web.deps import IdPath, SessionDep

router = APIRouter(prefix="/api/newmedia", tags=["newmedia"])
# The website's pages and feed are public, like any website.
PUBLIC_ROUTES = {
    ("GET", "/api/newmedia/site/"),
    ("GET", "/api/newmedia/site/notices/{post_id}.html"),
    ("GET", "/api/newmedia/site/rss.xml"),
}

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


@router.get("/posts", response_model=list[PostSummary])
def list_posts(
    _: NewMediaRead,
    session: SessionDep,
    state: str | None = Query(None, pattern="^(draft|in_review|approved|published|retired)$"),
    kind: str | None = Query(None, pattern="^(wechat_article|weibo_post|web_notice)$"),
    before: int | None = Query(None, ge=1, le=2**31 - 1, description="the last id of the page shown"),
    limit: int = Query(50, ge=1, le=200),
) -> list[PostSummary]:
    return posts.listing(session, state, kind, before, limit)


@router.post("/posts", response_model=PostOut, status_code=201)
def create_post(body: PostIn, p: NewMediaWrite, session: SessionDep) -> PostOut:
    return posts.out(session, posts.create(session, p.actor, body))


@router.get("/posts/{post_id}", response_model=PostOut)
def get_post(post_id: IdPath, _: NewMediaRead, session: SessionDep) -> PostOut:
    """A post with the actions allowed now and its publications (status, error, URL)."""
    return posts.out(session, posts.get(session, post_id))


@router.patch("/posts/{post_id}", response_model=PostOut)
def update_post(post_id: IdPath, body: PostPatch, p: NewMediaWrite, session: SessionDep) -> PostOut:
    return posts.out(session, posts.update(session, p.actor, post_id, body))


@router.put("/posts/{post_id}/cover", response_model=PostOut)
async def put_cover(
    post_id: IdPath,
    request: Request,
    p: NewMediaWrite,
    session: SessionDep,
    version: int = Query(..., ge=1, description="the version you last read (409 if stale)"),
) -> PostOut:
    """The cover image as the request body (JPEG, PNG or GIF, at most 2 MB)."""
    data = b""
    async for chunk in request.stream():
        data += chunk
        if len(data) > posts.COVER_MAX_BYTES:
            raise Invalid("the cover is larger than 2 MB", "封面图片不能超过 2 MB")
    post = await run_in_threadpool(posts.set_cover, session, p.actor, post_id, version, data)
    return posts.out(session, post)


def _action_endpoint(action: Action) -> Callable[..., PostOut]:
    permission = PERMISSION[action]

    def endpoint(
        post_id: IdPath,
        body: ActionIn,
        session: SessionDep,
        # A default, not an alias: the permission is this closure's.
        principal: Principal = Depends(require(permission)),
    ) -> PostOut:
        return posts.out(
            session, posts.act(session, principal.actor, post_id, action, body.version, body.note)
        )

    endpoint.__name__ = f"{action.value}_post"
    endpoint.__doc__ = f"Workflow action `{action.value}` (needs {permission}); 409 when not allowed now."
    return endpoint


for _action in Action:
    router.add_api_route(
        f"/posts/{{post_id}}/{_action.value}",
        _action_endpoint(_action),
        methods=["POST"],
        response_model=PostOut,
    )


@router.get("/calendar", response_model=list[CalendarDay])
def content_calendar(
    _: NewMediaRead, session: SessionDep, start: date = Query(...), end: date = Query(...)
) -> list[CalendarDay]:
    """The content calendar: posts by local day, at their planned time (else when published)."""
    return posts.calendar(session, start, end)


@router.post("/publications/{publication_id}/retry", response_model=PublicationOut)
def retry_publication(publication_id: IdPath, p: NewMediaReview, session: SessionDep) -> PublicationOut:
    """Resume a failed publication at the step that failed."""
    return PublicationOut.model_validate(publish.retry(session, p.actor, publication_id))


@router.get("/site/", response_class=HTMLResponse)
def site_index(session: SessionDep) -> HTMLResponse:
    return HTMLResponse(site.index_page(site.published(session), get_newmedia_settings().site_title))


@router.get("/site/notices/{post_id}.html", response_class=HTMLResponse)
def site_notice(post_id: IdPath, session: SessionDep) -> HTMLResponse:
    return HTMLResponse(site.notice_page(site.notice(session, post_id), get_newmedia_settings().site_title))


@router.get(
    "/site/rss.xml", response_class=Response, responses={200: {"content": {"application/rss+xml": {}}}}
)
def site_feed(session: SessionDep) -> Response:
    cfg = get_newmedia_settings()
    feed = site.rss(site.published(session), cfg.site_title, cfg.site_url)
    return Response(feed, media_type="application/rss+xml; charset=utf-8")
