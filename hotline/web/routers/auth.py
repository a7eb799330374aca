"""Sign-in and sign-out (session cookie), the current user, own password, bearer tokens.

Failed sign-ins are throttled per (user name, address) pair (`web/lockout.py`) and audited in their
own transaction (the request's is rolled back with the error), with the address but no password.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import Field

from hotline.errors import Unauthorized
from hotline.people import signins
from hotline.people.credentials import change_own_password
from hotline.people.models import User
from hotline.people.passwords import verify_password
from hotline.people.schemas import UserOut, user_out
from hotline.people.service import get_user, user_by_username
from hotline.schemas import Out, StrictIn
from hotline.web.auth import COOKIE
from hotline.web.clientip import client_ip
from hotline.web.csrf import CSRF_COOKIE, refuse_cross_site, set_csrf_cookie
from hotline.web.deps import IdPath, PrincipalDep, SessionDep, SettingsDep, SignedInDep
from hotline.web.lockout import LoginLockout
from hotline.web.services import OptionalCenterDep

router = APIRouter(prefix="/api/auth", tags=["auth"])
PUBLIC_ROUTES = {("POST", "/api/auth/login")}


class LoginIn(StrictIn):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=128)


class MeOut(UserOut):
    permissions: list[str]


class TokenIn(StrictIn):
    name: str = Field(min_length=1, max_length=100)


class TokenOut(Out):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


class NewTokenOut(TokenOut):
    token: str


class PasswordChangeIn(StrictIn):
    current_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(min_length=1, max_length=128)


def _lockout(request: Request) -> LoginLockout:
    lockout: LoginLockout = request.app.state.login_lockout
    return lockout


def _me(request: Request, user: User) -> MeOut:
    perms = sorted(request.app.state.role_permissions[user.role])
    return MeOut(**user_out(user).model_dump(), permissions=perms)


@router.post("/login", response_model=MeOut)
def login(
    body: LoginIn,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
) -> MeOut:
    refuse_cross_site(request)
    ip = client_ip(request) or "unknown"
    lockout = _lockout(request)
    lockout.check(body.username, ip)
    user = user_by_username(session, body.username)
    if user is None or not verify_password(user.password_hash, body.password) or not user.active:
        reason = "unknown_user" if user is None else "inactive" if not user.active else "wrong_password"
        locked = lockout.fail(body.username, ip)
        if locked:
            reason += f"; locked {locked:.0f} s"
        signins.record_failed_sign_in(request.app.state.db, body.username, user, ip, reason)
        raise Unauthorized("wrong username or password", "用户名或密码错误")
    lockout.succeed(body.username, ip)
    token = signins.sign_in(session, user, settings.session_hours, ip)
    response.set_cookie(
        COOKIE,
        token,
        max_age=settings.session_hours * 3600,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="strict",
        path="/",
    )
    set_csrf_cookie(response, settings, token)
    return _me(request, user)


@router.post("/logout", status_code=204)
def logout(
    request: Request,
    response: Response,
    center: OptionalCenterDep,
    principal: SignedInDep,
    session: SessionDep,
) -> Response:
    signins.sign_out(session, principal.actor, principal.user_id, request.cookies.get(COOKIE))
    if center is not None and center.loop is not None:
        # Signing out of the console signs the agent out of the queues (after a call in progress).
        center.loop.call_soon_threadsafe(center.control.sign_out_session, principal.user_id)
    response.delete_cookie(COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    response.status_code = 204
    return response


@router.get("/me", response_model=MeOut)
def me(
    request: Request, response: Response, principal: SignedInDep, session: SessionDep, settings: SettingsDep
) -> MeOut:
    cookie = request.cookies.get(COOKIE)
    if cookie and "authorization" not in request.headers:
        # A session from before CSRF tokens, or a rotated secret key: hand out a fresh token.
        set_csrf_cookie(response, settings, cookie)
    return _me(request, get_user(session, principal.user_id))


@router.put("/password", status_code=204)
def change_password(
    body: PasswordChangeIn, request: Request, principal: SignedInDep, session: SessionDep
) -> Response:
    """Change your own password (the current one is required); your other sessions end."""
    cookie = request.cookies.get(COOKIE)
    keep = signins.token_hash(cookie) if cookie and "authorization" not in request.headers else None
    user = get_user(session, principal.user_id)
    change_own_password(session, principal.actor, user, body.current_password, body.new_password, keep)
    return Response(status_code=204)


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(principal: PrincipalDep, session: SessionDep) -> list[TokenOut]:
    return [TokenOut.model_validate(r) for r in signins.list_tokens(session, principal.user_id)]


@router.post("/tokens", response_model=NewTokenOut, status_code=201)
def create_token(body: TokenIn, principal: PrincipalDep, session: SessionDep) -> NewTokenOut:
    row, token = signins.create_token(session, principal.actor, principal.user_id, body.name)
    return NewTokenOut(**TokenOut.model_validate(row).model_dump(), token=token)


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: IdPath, principal: PrincipalDep, session: SessionDep) -> Response:
    signins.revoke_token(session, principal.actor, principal.user_id, token_id)
    return Response(status_code=204)
