"""Schemathesis against our own OpenAPI spec: generated requests find no 5xx and no response
that breaks its documented schema.

Schemathesis' pytest plugin does not run under pytest 9 here, so the test drives its strategies
with Hypothesis directly, one operation at a time.
"""

from __future__ import annotations

from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from hotline.store.db import Database
from hotline.web.app import create_app
from tests.conftest import make_settings

# Revoking tokens and signing out would sign the fuzzer itself out half-way.
# A password reset ends the user's tokens, including the fuzzer's own admin token.
SKIP = {("DELETE", "/api/auth/tokens/{token_id}"), ("POST", "/api/auth/logout")}
SKIP |= {("PUT", "/api/users/{user_id}/password")}
CHECKS = [schemathesis.checks.not_a_server_error, response_schema_conformance, content_type_conformance]


def test_api_conforms(sqlite_db: Database, tmp_root: Path) -> None:
    app = create_app(make_settings(sqlite_db, tmp_root), sqlite_db)
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", app, headers={"Authorization": "Bearer token-admin"}
    )
    tested = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIP:
            continue

        @given(case=operation.as_strategy())
        @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(headers={"Authorization": "Bearer token-admin"}, checks=CHECKS)

        run()
        tested += 1
    assert tested >= 15
