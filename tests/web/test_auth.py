"""Sign-in with a secure session cookie, bearer tokens, logout, login throttling, and stale
credentials refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from hotline.people.models import ApiToken, User, UserSession
from hotline.store.base import utcnow
from hotline.store.db import Database
from hotline.web.auth import token_hash
from tests.web.sessions import cookie_login


def test_login_sets_secure_cookie_and_me_works(client: TestClient) -> None:
    resp = client.post("/api/auth/login", json={"username": "agent", "password": "password-agent"})
    assert resp.status_code == 200, resp.text
    assert "calls.control" in resp.json()["permissions"]
    session_cookie = next(c for c in resp.headers.get_list("set-cookie") if c.startswith("hotline_session="))
    cookie = session_cookie.lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie
    client.headers["X-CSRF-Token"] = client.cookies["hotline_csrf"]
    me = client.get("/api/auth/me")
    assert me.status_code == 200
    assert me.json()["username"] == "agent"
    assert client.post("/api/auth/logout").status_code == 204
    client.cookies.clear()
    assert client.get("/api/auth/me").status_code == 401


def test_logout_invalidates_session_server_side(client: TestClient) -> None:
    cookie_login(client, "agent")
    stolen = dict(client.cookies)
    client.post("/api/auth/logout")
    client.cookies.clear()
    for k, v in stolen.items():
        client.cookies.set(k, v)
    assert client.get("/api/auth/me").status_code == 401


def test_wrong_password_then_throttled(client: TestClient) -> None:
    for _ in range(5):
        resp = client.post("/api/auth/login", json={"username": "admin", "password": "wrong-pass"})
        assert resp.status_code == 401
        assert resp.headers["content-type"] == "application/problem+json"
    resp = client.post("/api/auth/login", json={"username": "admin", "password": "password-admin"})
    assert resp.status_code == 429
    assert int(resp.headers["retry-after"]) > 0
    assert "登录失败次数过多" in resp.json()["detail_zh"]


def test_unknown_user_is_indistinguishable(client: TestClient) -> None:
    a = client.post("/api/auth/login", json={"username": "ghost", "password": "whatever1"})
    b = client.post("/api/auth/login", json={"username": "agent", "password": "whatever1"})
    assert a.status_code == b.status_code == 401
    assert a.json()["detail"] == b.json()["detail"]


def test_bearer_token_lifecycle(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    resp = client.post("/api/auth/tokens", json={"name": "crm"}, headers=auth("supervisor"))
    assert resp.status_code == 201
    token = resp.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/auth/me", headers=headers).json()["username"] == "supervisor"
    tid = resp.json()["id"]
    assert client.delete(f"/api/auth/tokens/{tid}", headers=headers).status_code == 204
    assert client.get("/api/auth/me", headers=headers).status_code == 401


def test_login_is_audited(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    client.post("/api/auth/login", json={"username": "agent", "password": "password-agent"})
    client.cookies.clear()
    rows = client.get("/api/audit?action=login", headers=auth("admin")).json()["items"]
    assert rows and rows[0]["actor"] == "agent"


def test_expired_sessions_revoked_tokens_and_inactive_users_are_refused(
    client: TestClient, db: Database, auth: Callable[[str], dict[str, str]]
) -> None:
    """The credential and its user are read in one query: each way it can be stale still refuses."""
    cookie_login(client, "agent")
    assert client.get("/api/auth/me").status_code == 200
    with db.session() as s:
        for row in s.scalars(select(UserSession)):
            row.expires_at = utcnow() - timedelta(seconds=1)
    assert client.get("/api/auth/me").status_code == 401
    client.cookies.clear()

    assert client.get("/api/auth/me", headers=auth("supervisor")).status_code == 200
    with db.session() as s:
        s.execute(
            update(ApiToken).where(ApiToken.token_hash == token_hash("token-supervisor")).values(revoked=True)
        )
    assert client.get("/api/auth/me", headers=auth("supervisor")).status_code == 401

    assert client.get("/api/auth/me", headers=auth("analyst")).status_code == 200
    with db.session() as s:
        s.execute(update(User).where(User.username == "analyst").values(active=False))
    assert client.get("/api/auth/me", headers=auth("analyst")).status_code == 401
