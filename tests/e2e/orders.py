"""Work orders made through the API for the console's e2e walks (what an agent or a department
did before the page under test is opened)."""

from __future__ import annotations

from typing import Any


def ok(resp: Any) -> dict[str, Any]:
    assert resp.ok, resp.text()
    return dict(resp.json())


def dept_id(page: Any, name: str) -> int:
    items = ok(page.request.get("/api/departments?limit=100"))["items"]
    return int(next(d["id"] for d in items if d["name"] == name))


def new_order(agent: Any, title: str, dispatch_to: int | None = None, **kw: Any) -> dict[str, Any]:
    """An order an agent files (and dispatches to `dispatch_to`)."""
    body = {"type": "help_request", "title": title, "content": f"{title}，请尽快处理。", **kw}
    o = ok(agent.request.post("/api/workorders", data=body))
    if dispatch_to:
        o = ok(
            agent.request.post(
                f"/api/workorders/{o['id']}/dispatch",
                data={"version": o["version"], "department_id": dispatch_to},
            )
        )
    return o


def act(page: Any, order: dict[str, Any], action: str, **body: Any) -> dict[str, Any]:
    """One state-machine action on the order at its current version."""
    resp = page.request.get(f"/api/workorders/{order['id']}")
    if resp.status == 403:  # a department reads its orders through the portal
        resp = page.request.get(f"/api/workorders/portal/{order['id']}")
    fresh = ok(resp)
    return ok(
        page.request.post(
            f"/api/workorders/{order['id']}/{action.replace('_', '-')}",
            data={"version": fresh["version"], **body},
        )
    )
