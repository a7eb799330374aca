"""Mail attachments reach the order: sent by real SMTP, kept within type and size limits (the
others named on the order), listed and downloaded only by people who may read the order, as
downloads under the type their extension allows."""

from __future__ import annotations

import email.policy
from collections.abc import Callable
from email.message import EmailMessage

from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.channels.models import Attachment, InboundMessage
from hotline.people.models import Department
from hotline.store.db import Database
from hotline.workorders.lifecycle import act
from hotline.workorders.models import WorkOrder
from hotline.workorders.service import SYSTEM_WHO
from tests.channels.mailrig import ADDRESS, mailbox_rig

Auth = Callable[[str], dict[str, str]]
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 200
PDF = b"%PDF-1.4\n" + b"x" * 300


def _mail(msg_id: str, files: list[tuple[str, str, bytes]]) -> bytes:
    m = EmailMessage()
    m["From"] = "王先生 <citizen@example.org>"
    m["To"] = ADDRESS
    m["Subject"] = "楼道照片和申请表"
    m["Message-ID"] = msg_id
    m.set_content("附上楼道堆物照片和申请表，请处理。")
    for name, ctype, data in files:
        main, sub = ctype.split("/")
        m.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return m.as_bytes(policy=email.policy.SMTP)


def _order(db: Database, msg_id: str) -> int:
    with db.session() as s:
        oid = s.scalar(select(InboundMessage.workorder_id).where(InboundMessage.external_id == msg_id))
    assert oid is not None
    return int(oid)


def _dispatch(db: Database, order_id: int, department_id: int, confidential: bool = False) -> None:
    with db.session() as s:
        order = s.get(WorkOrder, order_id)
        assert order is not None
        order.confidential = confidential
        act(s, SYSTEM_WHO, order_id, "accept", None)
        act(s, SYSTEM_WHO, order_id, "dispatch", None, department_id=department_id)


def test_attachments_are_kept_within_limits_and_the_rest_named(db: Database) -> None:
    files = [
        ("楼道.png", "image/png", PNG),
        ("申请表.pdf", "application/pdf", PDF),
        ("工具.exe", "application/octet-stream", b"MZ" + b"\0" * 100),
        ("page.html", "text/html", b"<script>alert(1)</script>"),
        ("大图.jpg", "image/jpeg", b"\xff\xd8" + b"\0" * 5000),  # over the per-file limit
        ("表2.pdf", "application/pdf", PDF),  # over the total with the two before it
    ]
    with mailbox_rig(db, attachment_max_bytes=4000, attachments_max_total_bytes=800) as rig:
        rig.send(_mail("<att-1@example.org>", files))
    order_id = _order(db, "<att-1@example.org>")
    with db.session() as s:
        rows = list(s.scalars(select(Attachment).order_by(Attachment.id)))
        kept = {a.filename: (a.content_type, bytes(a.data or b"")) for a in rows if a.status == "stored"}
        refused = {a.filename: a.note for a in rows if a.status == "refused"}
        assert all(a.workorder_id == order_id and a.inbound_id for a in rows)
        content = s.get(WorkOrder, order_id).content  # type: ignore[union-attr]
    assert kept == {"楼道.png": ("image/png", PNG), "申请表.pdf": ("application/pdf", PDF)}
    assert set(refused) == {"工具.exe", "page.html", "大图.jpg", "表2.pdf"}
    assert "类型不允许" in (refused["page.html"] or "") and "超过" in (refused["大图.jpg"] or "")
    assert "合计" in (refused["表2.pdf"] or "")
    assert "工具.exe" in content and "楼道.png" not in content  # the order names what was not kept


def test_attachments_are_served_only_to_readers_of_the_order(
    db: Database, client: TestClient, auth: Auth
) -> None:
    with mailbox_rig(db) as rig:
        rig.send(_mail("<att-2@example.org>", [("楼道.png", "image/png", PNG)]))
        rig.send(_mail("<att-3@example.org>", [("身份证.jpg", "image/jpeg", PNG)]))
        rig.send(_mail("<att-4@example.org>", [("note.txt", "text/html", b"<b>hi</b>")]))
    mine, confidential, elsewhere = (_order(db, f"<att-{n}@example.org>") for n in (2, 3, 4))
    with db.session() as s:
        other = Department(code="other", name="城管局")
        s.add(other)
        s.flush()
        other_id = other.id
    _dispatch(db, mine, 1)
    _dispatch(db, confidential, 1, confidential=True)
    _dispatch(db, elsewhere, other_id)

    listed = client.get(f"/api/channels/orders/{mine}/attachments", headers=auth("agent"))
    assert listed.status_code == 200, listed.text
    ((item,),) = (listed.json(),)
    assert item["filename"] == "楼道.png" and item["status"] == "stored" and item["size"] == len(PNG)
    got = client.get(f"/api/channels/attachments/{item['id']}", headers=auth("agent"))
    assert got.status_code == 200 and got.content == PNG
    assert got.headers["content-type"] == "image/png"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff"

    # A text file the sender called text/html is served as text/plain, as a download.
    (txt,) = client.get(f"/api/channels/orders/{elsewhere}/attachments", headers=auth("agent")).json()
    got = client.get(f"/api/channels/attachments/{txt['id']}", headers=auth("agent"))
    assert got.headers["content-type"].startswith("text/plain")

    # Not signed in; a department handler on the console routes; another department's order.
    assert client.get(f"/api/channels/attachments/{item['id']}").status_code == 401
    h = auth("department_handler")
    assert client.get(f"/api/channels/attachments/{item['id']}", headers=h).status_code == 403
    assert client.get(f"/api/channels/portal/attachments/{item['id']}", headers=h).content == PNG
    assert client.get(f"/api/channels/portal/orders/{elsewhere}/attachments", headers=h).status_code == 404
    assert client.get(f"/api/channels/portal/attachments/{txt['id']}", headers=h).status_code == 404

    # A confidential order's files are withheld from the department, not from the hotline.
    (conf,) = client.get(f"/api/channels/portal/orders/{confidential}/attachments", headers=h).json()
    assert conf["withheld"] is True
    assert client.get(f"/api/channels/portal/attachments/{conf['id']}", headers=h).status_code == 403
    assert (
        client.get(f"/api/channels/attachments/{conf['id']}", headers=auth("supervisor")).status_code == 200
    )
