"""Liveness, readiness, Prometheus metrics and JSON-lines logs."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from hotline.logs import JsonFormatter, setup_logging
from hotline.masking import MaskingFilter


def test_health_ready_metrics(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz").json()
    assert ready["checks"]["database"] == "ok"
    client.get("/api/callers", headers=auth("agent"))
    metrics = client.get("/metrics", headers=auth("admin"))
    assert metrics.status_code == 200
    assert 'hotline_http_requests_total{method="GET",route="/api/callers",status="200"}' in metrics.text
    assert "hotline_http_request_seconds_bucket" in metrics.text


def test_json_log_lines_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    record = logging.LogRecord("hotline.x", logging.INFO, __file__, 1, "caller %s", ("13812345678",), None)
    assert MaskingFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "info" and line["logger"] == "hotline.x"
    assert line["msg"] == "caller 138****5678"


@pytest.mark.parametrize("json_lines", [True, False])
def test_tracebacks_in_logs_are_masked(json_lines: bool) -> None:
    """Exception text (e.g. SQL parameters) often quotes a phone or ID number: never in the log."""
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    setup_logging(json_lines)
    try:
        handler = root.handlers[0]
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(stream)
        try:
            raise ValueError("no caller 13812345678 / 110105194501011234")
        except ValueError:
            logging.getLogger("hotline.x").exception("lookup failed", stack_info=True)
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    text = stream.getvalue()
    assert "ValueError" in text and "138****5678" in text
    assert "13812345678" not in text and "110105194501011234" not in text
