"""Chinese mail as it really arrives, over SMTP: without any charset (UTF-8 or GB18030 bytes),
labelled gb2312 while holding GBK-only characters (喆 堃 镕), encoded words in the subject and
sender name, HTML only. The text reaches the order intact and the raw copy is the exact bytes."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.channels.models import InboundMessage
from hotline.store.db import Database
from hotline.web.app import create_app
from hotline.workorders.models import WorkOrder
from tests.channels.mailrig import ADDRESS, mailbox_rig
from tests.conftest import make_settings

TEXT = "张喆和李堃的奶奶想申请居家养老服务，朱镕同志推荐的。"


def _raw(headers: list[str], body: bytes) -> bytes:
    head = [f"From: {'citizen@example.org'}", f"To: {ADDRESS}", "Message-ID: <enc@example.org>", *headers]
    return "\r\n".join(head).encode("ascii") + b"\r\n\r\n" + body + b"\r\n"


def _b(text: str, charset: str = "gb18030") -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode('gb18030')).decode()}?="


CASES = {
    "utf8-no-charset": _raw(["Subject: =?utf-8?B?" + base64.b64encode("居家养老".encode()).decode() + "?="],
                            TEXT.encode()),
    "gb18030-no-charset": _raw(["Subject: " + _b("居家养老", "gb2312")], TEXT.encode("gb18030")),
    "gb2312-labelled": _raw(
        ["Subject: " + _b("居家养老", "gb2312"), "MIME-Version: 1.0",
         "Content-Type: text/plain; charset=gb2312", "Content-Transfer-Encoding: base64"],
        base64.encodebytes(TEXT.encode("gb18030")).replace(b"\n", b"\r\n").rstrip(),
    ),
    "gbk-labelled-8bit": _raw(
        ["Subject: " + _b("居家养老", "GBK"), "MIME-Version: 1.0",
         "Content-Type: text/plain; charset=\"GBK\"", "Content-Transfer-Encoding: 8bit"],
        TEXT.encode("gbk"),
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_chinese_text_survives_and_raw_is_exact(db: Database, case: str) -> None:
    raw = CASES[case]
    with mailbox_rig(db) as rig:
        rig.send(raw)
    with db.session() as s:
        row = s.scalars(select(InboundMessage)).one()
        order = s.scalars(select(WorkOrder)).one()
        stored_raw = s.scalars(select(InboundMessage.raw)).one()
    assert stored_raw == raw  # the exact bytes, not a U+FFFD copy
    assert row.body.strip() == TEXT and "\ufffd" not in row.body
    assert order.content == TEXT and order.title == "居家养老"


def test_gb2312_labelled_sender_name_and_8bit_subject(sqlite_db: Database) -> None:
    raw = (
        f"From: {_b('张喆', 'gb2312')} <zhe@example.org>\r\nTo: {ADDRESS}\r\n".encode()
        + b"Subject: " + "堃的来信".encode("gb18030") + b"\r\n"  # raw 8-bit header, no charset at all
        + b"Content-Type: text/plain; charset=gb2312\r\n\r\n" + TEXT.encode("gb18030") + b"\r\n"
    )  # fmt: skip
    with mailbox_rig(sqlite_db) as rig:
        rig.send(raw, sender="zhe@example.org")
    with sqlite_db.session() as s:
        order = s.scalars(select(WorkOrder)).one()
        assert (order.title, order.contact_name, order.contact_address) == (
            "堃的来信",
            "张喆",
            "zhe@example.org",
        )
        assert order.content == TEXT


def test_html_only_mail_becomes_text_and_keeps_the_original(
    sqlite_db: Database, tmp_root: Path, auth: Callable[[str], dict[str, str]]
) -> None:
    html = (
        "<html><head><style>p{color:red}</style></head><body><p>您好：</p>"
        "<p>小区电梯坏了&nbsp;三天，<b>八十岁</b>老人下不了楼。</p><br>谢谢&amp;盼复</body></html>"
    )
    raw = _raw(
        ["Subject: =?utf-8?B?" + base64.b64encode("电梯".encode()).decode() + "?=", "MIME-Version: 1.0",
         "Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: 8bit"],
        html.encode(),
    )  # fmt: skip
    with mailbox_rig(sqlite_db) as rig:
        rig.send(raw)
    with sqlite_db.session() as s:
        order = s.scalars(select(WorkOrder)).one()
        stored_raw = s.scalars(select(InboundMessage.raw)).one()
    assert order.content == "您好：\n\n小区电梯坏了 三天，八十岁老人下不了楼。\n\n谢谢&盼复"
    assert html.encode() in stored_raw
    app = create_app(make_settings(sqlite_db, tmp_root), sqlite_db)
    with TestClient(app, base_url="https://testserver") as client:
        got = client.get("/api/channels/inbox/1/raw", headers=auth("admin"))
        assert got.content == raw and got.headers["content-type"].startswith("message/rfc822")
        assert client.get("/api/channels/inbox/1/raw", headers=auth("agent")).status_code == 403
