"""CSRF protection for the console: a token signed with `secret_key`, sent back in a header.

A browser attaches the session cookie to any request, including one a hostile page makes it send;
it cannot make that page read our cookies or add our headers. So every unsafe request (POST, PUT,
PATCH, DELETE) signed in by cookie must carry `X-CSRF-Token` equal to the `hotline_csrf` cookie,
which is HMAC(secret_key, session token): it is set at sign-in (and again by /api/auth/me), tied to
that one session, and cannot be forged without the server's secret. Bearer-token clients send no
cookie and are not affected. Sign-in itself has no session yet: a browser marks a request another
site made it send (`Sec-Fetch-Site: cross-site`), and such a sign-in is refused (login CSRF).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from fastapi import Request, Response

from hotline.config import Settings
from hotline.errors import Forbidden

CSRF_COOKIE = "hotline_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfFailed(Forbidden):
    code, title, title_zh = "csrf_failed", "CSRF check failed", "请求校验失败"


def csrf_token(secret_key: str, session_token: str) -> str:
    mac = hmac.new(secret_key.encode(), b"csrf:" + session_token.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def set_csrf_cookie(response: Response, settings: Settings, session_token: str) -> None:
    # Readable by the console's script (not HttpOnly) so it can echo it; same lifetime as the session.
    response.set_cookie(
        CSRF_COOKIE,
        csrf_token(settings.secret_key, session_token),
        max_age=settings.session_hours * 3600,
        httponly=False,
        secure=settings.cookie_secure,
        samesite="strict",
        path="/",
    )


def check_csrf(request: Request, session_token: str) -> None:
    """Refuse an unsafe cookie-authenticated request without the session's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    settings: Settings = request.app.state.settings
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent or not hmac.compare_digest(sent, csrf_token(settings.secret_key, session_token)):
        raise CsrfFailed(
            "missing or wrong X-CSRF-Token header for a cookie-authenticated request; reload the page",
            "请求缺少有效的防跨站令牌（X-CSRF-Token），请刷新页面后重试",
        )


def refuse_cross_site(request: Request) -> None:
    """Refuse a request a browser says another site made it send (for sign-in, before any token)."""
    if request.headers.get("sec-fetch-site", "").lower() == "cross-site":
        raise CsrfFailed("cross-site sign-in refused", "拒绝来自其他网站的登录请求")
