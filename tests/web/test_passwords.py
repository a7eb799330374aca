"""Passwords: resets and deactivation end sessions and tokens, own change, forced change at first login."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.sessions import cookie_login

AGENT_TOKEN = {"Authorization": "Bearer token-agent"}


def _agent_id(client: TestClient, admin: dict[str, str]) -> dict[str, object]:
    users = client.get("/api/users?q=agent", headers=admin).json()["items"]
    user: dict[str, object] = next(u for u in users if u["username"] == "agent")
    return user


def test_admin_reset_ends_sessions_and_tokens(
    app: FastAPI, client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    admin = auth("admin")
    with TestClient(app, base_url="https://testserver") as browser:
        cookie_login(browser, "agent")
        assert browser.get("/api/auth/me").status_code == 200
        agent = _agent_id(client, admin)
        resp = client.put(
            f"/api/users/{agent['id']}/password", json={"password": "Temp-pass-2026"}, headers=admin
        )
        assert resp.status_code == 204, resp.text
        assert browser.get("/api/auth/me").status_code == 401
    assert client.get("/api/auth/me", headers=AGENT_TOKEN).status_code == 401


def test_reset_password_states_the_rules(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    admin = auth("admin")
    agent = _agent_id(client, admin)
    resp = client.put(f"/api/users/{agent['id']}/password", json={"password": "abcdefgh"}, headers=admin)
    assert resp.status_code == 422
    assert "至少 8 位" in resp.json()["detail_zh"] and "字母和数字" in resp.json()["detail_zh"]


def test_reactivation_does_not_restore_sessions(
    app: FastAPI, client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    admin = auth("admin")
    with TestClient(app, base_url="https://testserver") as browser:
        cookie_login(browser, "agent")
        agent = _agent_id(client, admin)
        off = client.patch(
            f"/api/users/{agent['id']}", json={"version": agent["version"], "active": False}, headers=admin
        )
        assert off.status_code == 200, off.text
        on = client.patch(
            f"/api/users/{agent['id']}",
            json={"version": off.json()["version"], "active": True},
            headers=admin,
        )
        assert on.status_code == 200, on.text
        assert browser.get("/api/auth/me").status_code == 401
    assert client.get("/api/auth/me", headers=AGENT_TOKEN).status_code == 401


def test_change_own_password(app: FastAPI, client: TestClient) -> None:
    cookie_login(client, "agent")
    with TestClient(app, base_url="https://testserver") as other:
        cookie_login(other, "agent")
        url = "/api/auth/password"
        wrong = client.put(url, json={"current_password": "nope", "new_password": "New-pass-2026"})
        assert wrong.status_code == 422 and wrong.json()["detail_zh"] == "当前密码不正确"
        weak = client.put(url, json={"current_password": "password-agent", "new_password": "short1"})
        assert weak.status_code == 422 and "至少 8 位" in weak.json()["detail_zh"]
        demo = client.put(url, json={"current_password": "password-agent", "new_password": "demo1234"})
        assert demo.status_code == 422
        ok = client.put(url, json={"current_password": "password-agent", "new_password": "New-pass-2026"})
        assert ok.status_code == 204, ok.text
        assert client.get("/api/auth/me").status_code == 200  # this session goes on
        assert other.get("/api/auth/me").status_code == 401  # the others end
    assert client.get("/api/auth/me", headers=AGENT_TOKEN).status_code == 200  # integrations keep working
    client.cookies.clear()
    cookie_login(client, "agent", "New-pass-2026")


def test_password_set_by_admin_must_be_changed_first(
    client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    admin = auth("admin")
    body = {"username": "agent7", "display_name": "新话务员", "password": "Temp-pass-2026", "role": "agent"}
    created = client.post("/api/users", json=body, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["must_change_password"] is True
    me = cookie_login(client, "agent7", "Temp-pass-2026")
    assert me["must_change_password"] is True
    for method, url in [
        ("GET", "/api/callers"),
        ("GET", "/api/auth/tokens"),
        ("POST", "/api/calls/agent/login"),
    ]:
        resp = client.request(method, url)
        assert resp.status_code == 403, (url, resp.text)
        assert resp.json()["code"] == "password_change_required"
        assert resp.json()["title_zh"] == "请先修改密码"
    assert client.get("/api/auth/me").json()["must_change_password"] is True
    change = {"current_password": "Temp-pass-2026", "new_password": "Mine-2026-pass"}
    assert client.put("/api/auth/password", json=change).status_code == 204
    assert client.get("/api/auth/me").json()["must_change_password"] is False
    assert client.get("/api/callers").status_code == 200
    # An admin's reset makes it temporary again.
    user_id = created.json()["id"]
    reset = client.put(f"/api/users/{user_id}/password", json={"password": "Temp-pass-2027"}, headers=admin)
    assert reset.status_code == 204
    client.cookies.clear()
    assert cookie_login(client, "agent7", "Temp-pass-2027")["must_change_password"] is True
