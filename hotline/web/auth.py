"""Authentication (session cookie or bearer token) and permission checks for every endpoint.

Endpoints take the principal through an alias naming the permission once per router module
(`Reader = Annotated[Principal, Depends(require("domain.action"))]`; the generic ones are in
`deps.py`). The `require` object keeps its permission name so a test can walk every route and
prove each one is guarded.
Cookie-authenticated unsafe requests must carry the CSRF token (`csrf.py`). A user whose password
was set by someone else (`must_change_password`) gets only `signed_in` routes (me, logout, change
password); every other route answers 403 "password change required" until they pick their own.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor
from hotline.errors import Forbidden, TooManyRequests, Unauthorized
from hotline.people.models import ApiToken, User, UserSession
from hotline.people.permissions import PERMISSIONS, ROLE_PERMISSIONS, Role
from hotline.people.signins import token_hash
from hotline.store.base import utcnow
from hotline.web.appstate import get_session
from hotline.web.clientip import client_ip, in_networks, parse_networks
from hotline.web.csrf import check_csrf

COOKIE = "hotline_session"


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    role: Role
    department_id: int | None
    permissions: frozenset[str]
    ip: str | None = None
    must_change_password: bool = False

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def pii(self) -> bool:
        return "pii.read" in self.permissions

    @property
    def actor(self) -> Actor:
        return Actor(self.user_id, self.username, self.ip)


def _principal(user: User, ip: str | None) -> Principal:
    role = Role(user.role)
    return Principal(
        user.id,
        user.username,
        user.display_name,
        role,
        user.department_id,
        ROLE_PERMISSIONS[role],
        ip,
        user.must_change_password,
    )


def principal_from_credentials(
    session: Session, bearer: str | None, cookie: str | None, ip: str | None = None
) -> Principal | None:
    """The active user behind a bearer token (preferred) or a session cookie, or None.

    Shared by HTTP requests and WebSocket handshakes, so both accept exactly the same credentials.
    """
    # One query either way (the credential joined to its user): every request pays for it.
    if bearer:
        query = (
            select(User)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == token_hash(bearer), ApiToken.revoked.is_(False))
        )
    elif cookie:
        query = (
            select(User)
            .join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.token_hash == token_hash(cookie), UserSession.expires_at > utcnow())
        )
    else:
        return None
    user = session.scalar(query)
    if user is None or not user.active:
        return None
    return _principal(user, ip)


def current_principal(
    request: Request, session: Session = Depends(get_session, scope="function")
) -> Principal:
    """The signed-in principal, also one who still has to change their password (see `signed_in`)."""
    auth = request.headers.get("authorization", "")
    bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else None
    cookie = None if bearer else request.cookies.get(COOKIE)
    principal = principal_from_credentials(session, bearer, cookie, client_ip(request))
    if principal is None:
        raise Unauthorized("sign in first (session cookie or bearer token)", "请先登录")
    if cookie:
        check_csrf(request, cookie)
    return principal


def optional_principal(
    request: Request, session: Session = Depends(get_session, scope="function")
) -> Principal | None:
    """The signed-in principal, or None when the request carries no credentials at all."""
    has_bearer = request.headers.get("authorization", "").lower().startswith("bearer ")
    if not has_bearer and COOKIE not in request.cookies:
        return None
    return current_principal(request, session)


class PasswordChangeRequired(Forbidden):
    code, title, title_zh = "password_change_required", "Password change required", "请先修改密码"


def _settled(principal: Principal) -> Principal:
    if principal.must_change_password:
        raise PasswordChangeRequired(
            "password change required: set your own password (PUT /api/auth/password) first",
            "您的密码由管理员设置，请先修改密码后再使用系统",
        )
    return principal


class require:
    """Dependency: the signed-in principal, who must hold `permission`."""

    def __init__(self, permission: str) -> None:
        if permission not in PERMISSIONS:
            raise KeyError(f"unknown permission {permission!r}")
        self.permission = permission

    def __call__(self, principal: Principal = Depends(current_principal)) -> Principal:
        _settled(principal)
        if not principal.can(self.permission):
            raise Forbidden(
                f"role {principal.role.value} lacks permission {self.permission}",
                f"当前角色无 {self.permission} 权限",
                permission=self.permission,
            )
        return principal


class require_unless_allowed(require):
    """`require(permission)`, except that clients whose address is in the `allow_setting` list
    (addresses or networks, e.g. the Prometheus host for /metrics) need not sign in."""

    def __init__(self, permission: str, allow_setting: str) -> None:
        super().__init__(permission)
        self.allow_setting = allow_setting

    def __call__(  # type: ignore[override]
        self, request: Request, principal: Principal | None = Depends(optional_principal)
    ) -> Principal | None:
        allowed = tuple(getattr(request.app.state.settings, self.allow_setting))
        if allowed and in_networks(client_ip(request), parse_networks(allowed)):
            return principal
        if principal is None:
            raise Unauthorized("sign in first (session cookie or bearer token)", "请先登录")
        return super().__call__(principal)


def authenticated(principal: Principal = Depends(current_principal)) -> Principal:
    """Any signed-in user who has set their own password (own API tokens, capabilities)."""
    return _settled(principal)


def signed_in(principal: Principal = Depends(current_principal)) -> Principal:
    """Any signed-in user, also one who must change their password first (me, logout, password)."""
    return principal


class LoginThrottle:
    """Sliding-window count of failed logins per key (username, client address)."""

    def __init__(self, max_failures: int, window_seconds: float) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _prune(self, key: str, now: float) -> deque[float]:
        q = self._failures[key]
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def check(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                q = self._prune(key, now)
                if len(q) >= self.max_failures:
                    retry = int(q[0] + self.window - now) + 1
                    raise TooManyRequests(
                        f"too many failed logins; try again in {retry} s",
                        f"登录失败次数过多，请 {retry} 秒后再试",
                        retry_after=retry,
                    )

    def fail(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._prune(key, now).append(now)

    def succeed(self, username_key: str) -> None:
        with self._lock:
            self._failures.pop(username_key, None)
