"""HTTP hardening: security headers, CSRF for cookie sessions, signed-in docs and metrics."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hotline.store.db import Database
from hotline.web.app import create_app
from tests.conftest import make_settings
from tests.web.sessions import cookie_login


def test_security_headers(app: FastAPI, auth: Callable[[str], dict[str, str]]) -> None:
    with TestClient(app, base_url="http://testserver") as plain:
        resp = plain.get("/api/auth/me")
        assert "strict-transport-security" not in resp.headers  # never on plain HTTP
    with TestClient(app, base_url="https://testserver") as client:
        for resp in (client.get("/healthz"), client.get("/api/callers", headers=auth("agent"))):
            h = resp.headers
            assert h["x-content-type-options"] == "nosniff"
            assert h["x-frame-options"] == "DENY"
            assert h["referrer-policy"] == "same-origin"
            csp = h["content-security-policy"]
            assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-eval" not in csp
            assert h["strict-transport-security"].startswith("max-age=")


def test_hsts_behind_trusted_proxy(db: Database, tmp_root: Path) -> None:
    app = create_app(make_settings(db, tmp_root, trusted_proxies=["10.0.0.1"]), db)
    with TestClient(app, base_url="http://testserver", client=("10.0.0.1", 1)) as proxy:
        assert (
            "strict-transport-security"
            in proxy.get("/healthz", headers={"X-Forwarded-Proto": "https"}).headers
        )
    with TestClient(app, base_url="http://testserver", client=("10.0.0.2", 1)) as other:
        assert (
            "strict-transport-security"
            not in other.get("/healthz", headers={"X-Forwarded-Proto": "https"}).headers
        )


def test_csrf_token_required_for_cookie_sessions(app: FastAPI, client: TestClient) -> None:
    cookie_login(client, "agent")
    token = client.headers.pop("X-CSRF-Token")
    body = {"name": "crm"}
    missing = client.post("/api/auth/tokens", json=body)
    assert missing.status_code == 403 and missing.json()["code"] == "csrf_failed"
    assert "防跨站" in missing.json()["detail_zh"]
    assert (
        client.post("/api/auth/tokens", json=body, headers={"X-CSRF-Token": token + "x"}).status_code == 403
    )
    with TestClient(app, base_url="https://testserver") as other:  # another session's token
        cookie_login(other, "agent")
        foreign = other.headers["X-CSRF-Token"]
    assert client.post("/api/auth/tokens", json=body, headers={"X-CSRF-Token": foreign}).status_code == 403
    assert client.get("/api/auth/tokens").status_code == 200  # reading needs no token
    assert client.post("/api/auth/tokens", json=body, headers={"X-CSRF-Token": token}).status_code == 201


def test_bearer_clients_need_no_csrf_token(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    assert client.post("/api/auth/tokens", json={"name": "crm"}, headers=auth("agent")).status_code == 201


def test_me_hands_out_a_csrf_cookie_to_older_sessions(client: TestClient) -> None:
    cookie_login(client, "agent")
    client.cookies.delete("hotline_csrf")
    assert client.get("/api/auth/me").status_code == 200
    assert client.cookies["hotline_csrf"] == client.headers["X-CSRF-Token"]


@pytest.mark.parametrize("path", ["/openapi.json", "/docs", "/metrics", "/api/capabilities"])
def test_docs_and_metrics_need_sign_in(client: TestClient, path: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 401
    assert resp.headers["content-type"] == "application/problem+json"


def test_docs_for_signed_in_users(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    assert "/api/auth/login" in client.get("/openapi.json", headers=auth("agent")).json()["paths"]
    docs = client.get("/docs", headers=auth("department_handler"))
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert "cdn.jsdelivr.net" in docs.headers["content-security-policy"]
    cookie_login(client, "analyst")
    assert client.get("/openapi.json").status_code == 200


def test_capabilities_are_the_documented_routes(
    client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    """What the console checks its pages against: every documented operation, nothing else."""
    cookie_login(client, "agent")  # the console reads it with its session cookie
    listed = {(m, p) for m, p in client.get("/api/capabilities").json()["routes"]}
    documented = {
        (method.upper(), path)
        for path, ops in client.get("/openapi.json").json()["paths"].items()
        for method in ops
    }
    assert listed == documented and ("POST", "/api/auth/login") in listed


def test_metrics_need_permission_or_allowlisted_address(
    db: Database, tmp_root: Path, auth: Callable[[str], dict[str, str]]
) -> None:
    app = create_app(make_settings(db, tmp_root, metrics_allow=["10.9.9.0/24"]), db)
    with TestClient(app, base_url="https://testserver") as client:
        assert client.get("/metrics", headers=auth("supervisor")).status_code == 403
        assert client.get("/metrics", headers=auth("admin")).status_code == 200
    with TestClient(app, base_url="https://testserver", client=("10.9.9.7", 1)) as scraper:
        assert scraper.get("/metrics").status_code == 200
    with TestClient(app, base_url="https://testserver", client=("127.0.0.1", 1)) as local:
        assert local.get("/metrics", headers={"X-Forwarded-For": "10.9.9.7"}).status_code == 401


def test_cross_site_sign_in_is_refused(client: TestClient) -> None:
    body = {"username": "agent", "password": "password-agent"}
    resp = client.post("/api/auth/login", json=body, headers={"Sec-Fetch-Site": "cross-site"})
    assert resp.status_code == 403 and resp.json()["code"] == "csrf_failed"
    same = {"Sec-Fetch-Site": "same-origin"}
    assert client.post("/api/auth/login", json=body, headers=same).status_code == 200
