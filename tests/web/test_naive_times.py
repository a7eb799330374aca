"""Time filters given without a zone: every list that filters by time answers (a naive time is
either read as the server's zone or refused with a 422 naming the field), never a 500 from
comparing it with the zone-aware columns."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

Auth = Callable[[str], dict[str, str]]

NAIVE = "2026-01-01T00:00:00"
LISTS = [
    f"/api/audit?since={NAIVE}&until={NAIVE}",
    f"/api/calls/cdrs?since={NAIVE}&until={NAIVE}",
    f"/api/workorders?created_from={NAIVE}&created_to={NAIVE}",
    f"/api/knowledge/stats?since={NAIVE}",
]


@pytest.mark.parametrize("url", LISTS)
def test_naive_time_filters_never_500(client: TestClient, auth: Auth, url: str) -> None:
    r = client.get(url, headers=auth("admin"))
    assert r.status_code in (200, 404, 422), (url, r.status_code, r.text)
