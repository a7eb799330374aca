"""Crafted pagination cursors are a clear 400 problem, never a 500."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient


def crafted(values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


BAD = [
    crafted([[1, 2], 5]),  # a list where a name goes
    crafted([{"x": 1}, 5]),
    crafted(["王", "abc"]),  # a string id
    crafted(["王", 10**30]),  # an id no database integer holds
    crafted(["王", True]),
    crafted(["王", 1.5]),
    crafted([{"dt": "2026-01-01T00:00:00"}, 5]),  # a time where the name goes
    crafted([1, 2, 3]),
    "!!!",
]


@pytest.mark.parametrize("cursor", BAD)
def test_crafted_cursor_is_400(
    client: TestClient, auth: Callable[[str], dict[str, str]], cursor: str
) -> None:
    resp = client.get("/api/users", params={"cursor": cursor, "sort": "display_name"}, headers=auth("admin"))
    assert resp.status_code == 400, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["detail_zh"] == "分页游标无效"


@pytest.mark.parametrize("cursor", [crafted(["x", "abc"]), crafted([1, 10**30])])
def test_crafted_cursor_on_id_sort_and_text_search(
    client: TestClient, auth: Callable[[str], dict[str, str]], cursor: str
) -> None:
    for url, params in [
        ("/api/users", {"cursor": cursor}),
        ("/api/workorders", {"cursor": cursor, "q": "供暖"}),
    ]:
        resp = client.get(url, params=params, headers=auth("admin"))
        assert resp.status_code == 400, (url, resp.text)


def test_a_real_cursor_still_pages(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    admin = auth("admin")
    first = client.get("/api/users", params={"limit": 2, "sort": "display_name"}, headers=admin).json()
    params = {"limit": 2, "sort": "display_name", "cursor": first["next_cursor"]}
    second = client.get("/api/users", params=params, headers=auth("admin"))
    assert second.status_code == 200
    assert {u["id"] for u in second.json()["items"]}.isdisjoint({u["id"] for u in first["items"]})
