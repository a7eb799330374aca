"""Answering a questionnaire on the web, without signing in (hence PUBLIC_ROUTES): the link's secret
in the path and the response's resume key in the body are the credentials, and a random device
cookie counts an open link's answers per device. Thin: the rules are in `hotline.surveys.respond`."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from hotline.surveys import links, respond, views
from hotline.surveys.schemas import PageIn, PageOut, StartIn, StartOut, SubmitIn, SubmitOut
from hotline.web.deps import SessionDep, SettingsDep

router = APIRouter(prefix="/api/surveys/r", tags=["surveys"])
PUBLIC_ROUTES = {
    ("POST", "/api/surveys/r/{token}/start"),
    ("PUT", "/api/surveys/r/{token}/page"),
    ("POST", "/api/surveys/r/{token}/submit"),
}
DEVICE_COOKIE = "hotline_survey_device"


@router.post("/{token}/start", response_model=StartOut)
def start(
    token: str,
    body: StartIn,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
) -> StartOut:
    """Start or resume: 409 `already_answered` for a used token, `device_limit` on an open link."""
    device = request.cookies.get(DEVICE_COOKIE, "")
    if not device or len(device) > 64:
        device = links.new_secret()
        response.set_cookie(
            DEVICE_COOKIE,
            device,
            max_age=365 * 86400,
            httponly=True,
            secure=settings.cookie_secure,
            samesite="lax",
            path="/api/surveys/r",
        )
    return views.started(respond.start(session, token[:64], body.resume_key, device))


@router.put("/{token}/page", response_model=PageOut)
def save_page(token: str, body: PageIn, session: SessionDep) -> PageOut:
    """Keep one page's answers (422 naming `answers.<code>`); says which page comes next."""
    _, following = respond.save_page(session, token[:64], body.resume_key, body.page, body.answers)
    return PageOut(next_page=following, done=following is None)


@router.post("/{token}/submit", response_model=SubmitOut)
def submit(token: str, body: SubmitIn, session: SessionDep) -> SubmitOut:
    r = respond.submit(session, token[:64], body.resume_key)
    return SubmitOut(completed=True, completed_at=r.completed_at)
