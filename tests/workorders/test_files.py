"""A department attaches files to its answer (console review 2026-12, §4 "attachments for the
reply"): uploaded through the portal while it handles the order, on the timeline and in the audit
log, listed and downloaded by the order's readers as downloads under a fixed type; other
departments, other types, empty or oversized files and closed steps are refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from hotline.workorders import files
from tests.workorders.test_desk import H, _act, _at_department, _ok

Auth = Callable[[str], dict[str, str]]
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _upload(
    client: TestClient, auth: Auth, order: dict[str, Any], name: str, data: bytes, role: str = H
) -> Any:
    return client.post(
        f"/api/workorders/portal/{order['id']}/files",
        files={"file": (name, data, "application/octet-stream")},
        headers=auth(role),
    )


def test_department_attaches_a_file_to_its_answer(client: TestClient, auth: Auth) -> None:
    order = _ok(_act(client, auth, H, _at_department(client, auth), "receive"))
    up = _upload(client, auth, order, "../坡道修复.png", PNG)
    assert up.status_code == 201, up.text
    f = up.json()
    assert (f["filename"], f["content_type"], f["size"]) == ("坡道修复.png", "image/png", len(PNG))

    # the order's readers see and download it: the console and the portal alike
    for path, role in (
        (f"/api/workorders/{order['id']}/files", "agent"),
        (f"/api/workorders/portal/{order['id']}/files", H),
    ):
        listed = client.get(path, headers=auth(role))
        assert [x["id"] for x in listed.json()] == [f["id"]], listed.text
    got = client.get(f"/api/workorders/files/{f['id']}", headers=auth("supervisor"))
    assert got.status_code == 200 and got.content == PNG
    assert got.headers["content-type"] == "image/png"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff"
    assert client.get(f"/api/workorders/portal/files/{f['id']}", headers=auth(H)).content == PNG

    detail = client.get(f"/api/workorders/{order['id']}", headers=auth("agent")).json()
    assert [(e["action"], e["note"]) for e in detail["timeline"] if e["action"] == "attach"] == [
        ("attach", "坡道修复.png")
    ]
    audit = client.get("/api/audit", params={"entity": "workorder_file"}, headers=auth("admin")).json()
    assert [(i["action_zh"], i["entity_id"]) for i in audit["items"]] == [("工单附件·上传", str(f["id"]))]

    # the answer itself goes on as before; afterwards the step is over: no more files
    order = _ok(_act(client, auth, H, order, "reply", note="坡道已修复，见照片。"))
    late = _upload(client, auth, order, "more.png", PNG)
    assert late.status_code == 409 and "承办中" in late.json()["detail_zh"]


def test_refused_files_and_other_departments(client: TestClient, auth: Auth) -> None:
    order = _at_department(client, auth)
    for name, data, why in (
        ("run.exe", b"MZ...", "文件类型不允许"),
        ("page.html", b"<script>alert(1)</script>", "文件类型不允许"),
        ("empty.pdf", b"", "为空"),
        ("big.pdf", b"%" * (files.MAX_BYTES + 1), "超过"),
    ):
        resp = _upload(client, auth, order, name, data)
        assert resp.status_code == 422, (name, resp.text)
        assert why in resp.json()["detail_zh"], name
    # an agent cannot upload through the portal; another department's order does not exist
    assert _upload(client, auth, order, "a.png", PNG, role="agent").status_code == 403
    other = client.post(
        "/api/workorders",
        json={"type": "help_request", "title": "其他部门", "content": "另一个部门的工单内容"},
        headers=auth("agent"),
    ).json()
    other = _ok(_act(client, auth, "agent", other, "dispatch", department_id=2))
    assert _upload(client, auth, other, "a.png", PNG).status_code == 404
    assert client.get(f"/api/workorders/portal/{other['id']}/files", headers=auth(H)).status_code == 404
