"""Signing in a TestClient the way the console does: session cookie plus the CSRF header."""

from __future__ import annotations

from fastapi.testclient import TestClient


def cookie_login(client: TestClient, username: str, password: str | None = None) -> dict[str, object]:
    """Sign in by cookie and send the CSRF token on every later request, as the console does."""
    resp = client.post(
        "/api/auth/login", json={"username": username, "password": password or f"password-{username}"}
    )
    assert resp.status_code == 200, resp.text
    client.headers["X-CSRF-Token"] = client.cookies["hotline_csrf"]
    body: dict[str, object] = resp.json()
    return body
