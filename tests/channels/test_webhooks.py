"""SMS webhook, WeChat endpoint (plain and AES safe mode, built per the published protocol) and the
web form: good requests make one draft order and an acknowledgement, bad signatures are refused,
duplicates are ignored, and a store failure mid-intake keeps the message for a retry."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from hotline.channels import inbox
from hotline.channels.models import Acknowledgement, InboundMessage
from hotline.channels.settings import ChannelSettings, get_channel_settings
from hotline.store.db import Database
from hotline.workorders.models import WorkOrder
from tests.channels.wxrig import AES_KEY, APP_ID, TOKEN, wx_decrypt, wx_encrypt, wx_query, wx_sig, wx_text

SECRET = "sms-shared-secret"


@pytest.fixture
def wired(app: FastAPI) -> Iterator[FastAPI]:
    cfg = ChannelSettings(sms_secret=SECRET, wechat_token=TOKEN, wechat_aes_key=AES_KEY, wechat_app_id=APP_ID)
    app.dependency_overrides[get_channel_settings] = lambda: cfg
    yield app
    app.dependency_overrides.clear()


def _count(db: Database, model: type) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _sms(
    client: TestClient, payload: dict[str, str], ts: int | None = None, secret: str = SECRET
) -> Response:
    """The gateway's side, written independently of hotline.channels.sms."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    stamp = str(ts if ts is not None else int(time.time()))
    sig_hex = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    headers = {
        "X-Hotline-Timestamp": stamp,
        "X-Hotline-Signature": sig_hex,
        "Content-Type": "application/json",
    }
    return client.post("/api/channels/sms", content=body, headers=headers)


def test_sms_webhook(wired: FastAPI, client: TestClient, db: Database) -> None:
    msg = {"message_id": "sms-001", "from": "13812345678", "text": "我父亲的高龄津贴这个月没发"}
    r = _sms(client, msg)
    assert r.status_code == 200, r.text
    assert r.json()["number"].startswith("GD") and not r.json()["duplicate"]
    again = _sms(client, msg)
    assert again.json()["duplicate"] and again.json()["number"] == r.json()["number"]
    assert _sms(client, {**msg, "message_id": "sms-002"}, secret="wrong").status_code == 401
    assert _sms(client, {**msg, "message_id": "sms-003"}, ts=int(time.time()) - 3600).status_code == 401
    assert client.post("/api/channels/sms", content=b"{}").status_code == 401
    assert _count(db, WorkOrder) == 1 and _count(db, Acknowledgement) == 1
    with db.session() as s:
        order = s.scalars(select(WorkOrder)).one()
        assert order.state == "draft" and order.channel == "sms" and order.contact_phone == "13812345678"


# --- WeChat, built from the protocol text (tests/channels/wxrig.py) -------------------------------


def test_wechat_url_verification(wired: FastAPI, client: TestClient) -> None:
    q = wx_query(echostr="echo-8848")
    assert client.get("/api/channels/wechat", params=q).text == "echo-8848"
    assert client.get("/api/channels/wechat", params={**q, "signature": "0" * 40}).status_code == 401


@pytest.fixture
def plain(app: FastAPI) -> Iterator[FastAPI]:
    """An account in plain mode (no EncodingAESKey configured)."""
    app.dependency_overrides[get_channel_settings] = lambda: ChannelSettings(wechat_token=TOKEN)
    yield app
    app.dependency_overrides.clear()


def test_wechat_plain_and_duplicate(plain: FastAPI, client: TestClient, db: Database) -> None:
    body = wx_text("6100000000000000001", "孙子没人照看，想咨询留守儿童帮扶").encode()
    # WeChat's passive-reply limit is 5 s. Counted in this process's CPU time, not on the wall
    # clock: on a shared, busy box the reply thread waited its turn for 5 s and more (the work
    # itself, first message included, is about 0.5 s: most of it jieba loading its dictionary).
    t0 = time.process_time()
    r = client.post("/api/channels/wechat", params=wx_query(), content=body)
    assert time.process_time() - t0 < 5
    reply = {c.tag: c.text for c in ET.fromstring(r.content)}
    assert (
        reply["ToUserName"] == "oUser123" and reply["MsgType"] == "text" and "GD" in (reply["Content"] or "")
    )
    again = client.post("/api/channels/wechat", params=wx_query(), content=body)
    assert again.status_code == 200
    assert _count(db, WorkOrder) == 1 and _count(db, InboundMessage) == 1
    bad = client.post("/api/channels/wechat", params={**wx_query(), "signature": "f" * 40}, content=body)
    assert bad.status_code == 401
    dtd = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><xml><MsgType>text</MsgType></xml>'
    assert client.post("/api/channels/wechat", params=wx_query(), content=dtd).status_code == 422


def test_wechat_encrypted_mode(wired: FastAPI, client: TestClient, db: Database) -> None:
    encrypted = wx_encrypt(wx_text("6100000000000000002", "残疾人两项补贴怎么申请"))
    q = wx_query(encrypt_type="aes")
    q["msg_signature"] = wx_sig(TOKEN, q["timestamp"], q["nonce"], encrypted)
    body = (
        "<xml><ToUserName><![CDATA[gh_account]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    )
    r = client.post("/api/channels/wechat", params=q, content=body.encode())
    assert r.status_code == 200, r.text
    outer = {c.tag: c.text or "" for c in ET.fromstring(r.content)}
    assert outer["MsgSignature"] == wx_sig(TOKEN, outer["TimeStamp"], outer["Nonce"], outer["Encrypt"])
    inner = {c.tag: c.text for c in ET.fromstring(wx_decrypt(outer["Encrypt"]))}
    assert inner["ToUserName"] == "oUser123" and "GD" in (inner["Content"] or "")
    with db.session() as s:
        assert s.scalars(select(WorkOrder.content)).one() == "残疾人两项补贴怎么申请"
    q["msg_signature"] = "0" * 40
    assert client.post("/api/channels/wechat", params=q, content=body.encode()).status_code == 401


def test_web_form_idempotent(client: TestClient, db: Database) -> None:
    form = {
        "form_id": "form-0001-abcd",
        "name": "李女士",
        "phone": "13700001111",
        "content": "社区食堂离家太远，能否送餐",
    }
    a = client.post("/api/channels/webform", json=form)
    b = client.post("/api/channels/webform", json=form)
    assert a.status_code == 200 and b.json()["duplicate"] and a.json()["number"] == b.json()["number"]
    assert (
        client.post(
            "/api/channels/webform", json={**form, "form_id": "form-0002-abcd", "website": "x"}
        ).status_code
        == 422
    )


def test_store_failure_mid_intake_keeps_the_message(
    client: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch, auth: Callable[[str], dict[str, str]]
) -> None:
    """The order write fails after the raw message is stored: the row stays, a retry finishes it."""
    import hotline.channels.inbox as mod

    def broken(*a: object, **k: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(mod, "create", broken)
    form = {"form_id": "form-crash-0001", "content": "孤儿基本生活费什么时候发放"}
    r = client.post("/api/channels/webform", json=form)
    assert r.status_code == 200 and r.json()["number"] is None
    with db.session() as s:
        row = s.scalars(select(InboundMessage)).one()
        assert row.status == "failed" and "went away" in (row.error or "")
    assert _count(db, WorkOrder) == 0
    monkeypatch.undo()
    assert client.post("/api/channels/inbox/retry", headers=auth("admin")).json() == {"processed": 1}
    assert client.post("/api/channels/inbox/retry", headers=auth("admin")).json() == {"processed": 0}
    assert _count(db, WorkOrder) == 1 and _count(db, Acknowledgement) == 1
    # The citizen re-submits the same form: still one order.
    assert client.post("/api/channels/webform", json=form).json()["duplicate"]
    assert _count(db, WorkOrder) == 1


def test_store_down_before_persisting_raises(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """If even the raw insert fails the caller sees the error (HTTP 5xx / SMTP 451) so the sender
    retries; nothing was half-written."""

    class Down(Database):
        def session(self):  # type: ignore[no-untyped-def]
            raise OSError("disk full")

    down = Down.__new__(Down)
    with pytest.raises(OSError):
        inbox.store(down, "sms", "x1", "13800000000", "text", "raw")
    assert _count(db, InboundMessage) == 0


def test_web_form_is_rate_limited(client: TestClient) -> None:
    codes = [
        client.post(
            "/api/channels/webform", json={"form_id": f"form-rate-{i:04d}", "content": "想咨询养老补贴政策"}
        ).status_code
        for i in range(12)
    ]
    assert codes[:10] == [200] * 10 and codes[10:] == [429, 429]
