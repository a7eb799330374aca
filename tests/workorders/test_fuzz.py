"""Schemathesis over the work-order and channel operations only (the project-wide run stops at
the first failing operation of any package): no 5xx, responses match their documented schema."""

from __future__ import annotations

from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from hotline.store.db import Database
from hotline.web.app import create_app
from tests.conftest import make_settings

CHECKS = [schemathesis.checks.not_a_server_error, response_schema_conformance, content_type_conformance]
PREFIXES = ("/api/workorders", "/api/channels")


def test_workorder_api_conforms(sqlite_db: Database, tmp_root: Path) -> None:
    app = create_app(make_settings(sqlite_db, tmp_root), sqlite_db)
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", app, headers={"Authorization": "Bearer token-admin"}
    )
    tested = 0
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]
        if not operation.path.startswith(PREFIXES):
            continue

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(headers={"Authorization": "Bearer token-admin"}, checks=CHECKS)

        run()
        tested += 1
    assert tested >= 20
