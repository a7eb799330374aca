"""Bad input gets a problem+json 4xx in both languages, never a 500."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

CALLER = {"name": "王秀英", "phones": [{"number": "13800001111"}]}


def _is_problem(resp: object, status: int) -> dict[str, object]:
    assert resp.status_code == status, resp.text  # type: ignore[attr-defined]
    assert resp.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    body: dict[str, object] = resp.json()  # type: ignore[attr-defined]
    for key in ("type", "title", "status", "detail", "title_zh", "detail_zh"):
        assert key in body
    assert body["status"] == status
    return body


def test_malformed_json(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    resp = client.post(
        "/api/callers",
        content=b'{"name": "x",',
        headers={**auth("agent"), "content-type": "application/json"},
    )
    body = _is_problem(resp, 400)
    assert body["title_zh"] == "JSON 格式错误"


def test_wrong_types(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    resp = client.post("/api/callers", json={"name": 12, "phones": "x"}, headers=auth("agent"))
    body = _is_problem(resp, 422)
    assert body["errors"]


def test_unknown_fields(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    resp = client.post("/api/callers", json={**CALLER, "is_admin": True}, headers=auth("agent"))
    body = _is_problem(resp, 422)
    assert any("is_admin" in e["loc"] for e in body["errors"])  # type: ignore[attr-defined]


def test_oversize_body_by_header(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    big = b'{"name": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    resp = client.post(
        "/api/callers", content=big, headers={**auth("agent"), "content-type": "application/json"}
    )
    _is_problem(resp, 413)


def test_oversize_body_streamed(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"name": "'
        for _ in range(40):
            yield b"x" * 32768
        yield b'"}'

    resp = client.post(
        "/api/callers", content=chunks(), headers={**auth("agent"), "content-type": "application/json"}
    )
    _is_problem(resp, 413)


def test_unknown_route_and_method(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    _is_problem(client.get("/api/nope", headers=auth("agent")), 404)
    _is_problem(client.patch("/api/callers/1", headers=auth("agent")), 405)


def test_bad_cursor_and_sort(client: TestClient, auth: Callable[[str], dict[str, str]]) -> None:
    _is_problem(client.get("/api/callers?cursor=!!!", headers=auth("agent")), 400)
    _is_problem(client.get("/api/callers?sort=password", headers=auth("agent")), 422)
    _is_problem(client.get("/api/callers?limit=100000", headers=auth("agent")), 422)
