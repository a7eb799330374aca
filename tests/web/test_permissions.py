"""Every endpoint rejects a user without its permission: a table over all routes and all roles."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.testclient import TestClient

from hotline.people.permissions import ROLE_PERMISSIONS, Role
from hotline.store.db import Database
from hotline.web.app import api_routes, public_routes
from hotline.web.auth import require


def _permission(dep: Dependant) -> str | None:
    for sub in dep.dependencies:
        if isinstance(sub.call, require):
            return sub.call.permission
        found = _permission(sub)
        if found:
            return found
    return None


def _uses_auth(dep: Dependant) -> bool:
    from hotline.web.auth import current_principal, optional_principal

    return any(
        sub.call in (current_principal, optional_principal) or _uses_auth(sub) for sub in dep.dependencies
    )


def guarded_routes(app: FastAPI) -> list[tuple[str, str, str | None]]:
    """(method, path, permission or None for 'any signed-in user') for every non-public route."""
    public = public_routes()
    out = []
    for route in api_routes(app.routes):
        if not route.include_in_schema:
            continue
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            if (method, route.path) in public:
                continue
            out.append((method, route.path, _permission(route.dependant)))
    return out


def test_every_route_is_public_or_guarded(app: FastAPI) -> None:
    public = public_routes()
    unguarded = []
    for route in api_routes(app.routes):
        if route.include_in_schema:
            for method in route.methods - {"HEAD", "OPTIONS"}:
                if (method, route.path) not in public and not _uses_auth(route.dependant):
                    unguarded.append(f"{method} {route.path}")
    assert unguarded == [], "routes with neither a permission nor a PUBLIC_ROUTES entry"


def _fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "999999", path)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_role_matrix(
    role: str, app: FastAPI, client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    routes = guarded_routes(app)
    assert len(routes) >= 15
    wrong = []
    for method, path, permission in routes:
        url = _fill(path)
        kwargs: dict[str, object] = {"headers": auth(role)}
        if method in {"POST", "PUT", "PATCH"}:
            kwargs["json"] = {}
        resp = client.request(method, url, **kwargs)  # type: ignore[arg-type]
        allowed = permission is None or permission in ROLE_PERMISSIONS[Role(role)]
        if allowed and resp.status_code in (401, 403):
            wrong.append(f"{method} {path}: {role} allowed {permission} but got {resp.status_code}")
        if not allowed:
            if resp.status_code != 403:
                wrong.append(f"{method} {path}: {role} lacks {permission} but got {resp.status_code}")
            elif resp.headers["content-type"] != "application/problem+json":
                wrong.append(f"{method} {path}: 403 is not problem+json")
        assert resp.status_code < 500, f"{method} {url} -> {resp.status_code} {resp.text[:300]}"
    assert wrong == []


def test_anonymous_gets_401_everywhere(app: FastAPI, client: TestClient) -> None:
    for method, path, _ in guarded_routes(app):
        resp = client.request(method, _fill(path))
        assert resp.status_code == 401, f"{method} {path}"
        assert resp.json()["title_zh"] == "未登录"


def test_bad_token_is_401(client: TestClient) -> None:
    resp = client.get("/api/callers", headers={"Authorization": "Bearer nope"})
    assert resp.status_code == 401


def test_supervisors_read_the_intake_inbox_and_outbox_but_only_admins_act(
    client: TestClient, auth: Callable[[str], dict[str, str]], db: Database
) -> None:
    """The shift lead sees what citizens sent (raw source too) and what went back to them; retrying
    or releasing a message (which makes an order) stays with the administrator."""
    from hotline.channels import inbox

    stored, order = inbox.intake(db, "sms", "perm-1", "13800007777", "咨询养老补贴申领", "{}")
    assert order is not None
    for role, ok in (("supervisor", True), ("admin", True), ("agent", False), ("department_handler", False)):
        listed = client.get("/api/channels/inbox", headers=auth(role))
        assert (listed.status_code == 200) is ok, (role, listed.text)
        raw = client.get(f"/api/channels/inbox/{stored.id}/raw", headers=auth(role))
        assert (raw.status_code == 200) is ok, role
        assert (client.get("/api/channels/replies", headers=auth(role)).status_code == 200) is ok, role
    row = next(
        m
        for m in client.get("/api/channels/inbox", headers=auth("supervisor")).json()
        if m["id"] == stored.id
    )
    assert row["workorder_number"] == order.number
    older = client.get(f"/api/channels/inbox?before={stored.id}", headers=auth("supervisor")).json()
    assert all(m["id"] < stored.id for m in older)
    for path in (
        "/api/channels/inbox/retry",
        f"/api/channels/inbox/{stored.id}/retry",
        "/api/channels/replies/1/retry",
    ):
        assert client.post(path, headers=auth("supervisor")).status_code == 403, path
