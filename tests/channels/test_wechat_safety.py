"""The WeChat endpoint against what an attacker can do with captured traffic, with signatures and
AES envelopes computed here as the platform computes them: an old signed URL, a replayed nonce
with another body, a plaintext body to an account in AES mode, a UTF-16 document hiding a DTD,
too much text. And what citizens really send besides text: voice (with WeChat's recognised
text) and images become orders that keep the MediaId / PicUrl and the sender's OpenID."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hotline.channels.models import InboundMessage
from hotline.channels.settings import ChannelSettings, get_channel_settings
from hotline.store.db import Database
from hotline.web.app import create_app
from hotline.workorders.models import WorkOrder
from tests.channels.wxrig import (
    TOKEN,
    configure,
    safe_mode,
    wx_decrypt,
    wx_message,
    wx_post_aes,
    wx_query,
    wx_text,
)
from tests.conftest import make_settings

URL = "/api/channels/wechat"
TS_2017 = 1_500_000_000


@pytest.fixture
def plain(app: FastAPI) -> Iterator[FastAPI]:
    yield from configure(app)


@pytest.fixture
def safe(app: FastAPI) -> Iterator[FastAPI]:
    yield from safe_mode(app)


def _orders(db: Database) -> list[WorkOrder]:
    with db.session() as s:
        return list(s.scalars(select(WorkOrder).order_by(WorkOrder.id)))


def test_a_signed_url_from_2017_is_refused(plain: FastAPI, client: TestClient, db: Database) -> None:
    body = wx_text("6100000000000000100", "伪造的留言").encode()
    assert client.post(URL, params=wx_query(TS_2017), content=body).status_code == 401
    assert client.get(URL, params=wx_query(TS_2017, echostr="x")).status_code == 401
    assert client.post(URL, params=wx_query(), content=body).status_code == 200  # now: accepted
    assert len(_orders(db)) == 1


def test_a_nonce_signs_one_body_only(plain: FastAPI, client: TestClient, db: Database) -> None:
    q = wx_query()
    first = wx_text("6100000000000000101", "高龄津贴怎么申请").encode()
    assert client.post(URL, params=q, content=first).status_code == 200
    assert client.post(URL, params=q, content=first).status_code == 200  # WeChat retrying: same body
    forged = wx_text("6100000000000000102", "替换成别的内容").encode()
    assert client.post(URL, params=q, content=forged).status_code == 401
    assert [o.content for o in _orders(db)] == ["高龄津贴怎么申请"]


def test_a_replay_to_another_web_process_is_refused(db: Database, tmp_root: Path) -> None:
    """Two app instances on one database stand for two web processes behind a balancer."""
    q = wx_query()
    first = wx_text("6100000000000000110", "申请残疾人护理补贴").encode()
    forged = wx_text("6100000000000000111", "换了内容再发一次").encode()
    apps = [create_app(make_settings(db, tmp_root), db) for _ in range(2)]
    clients = []
    for app in apps:
        app.dependency_overrides[get_channel_settings] = lambda: ChannelSettings(wechat_token=TOKEN)
        clients.append(TestClient(app, base_url="https://testserver"))
    assert clients[0].post(URL, params=q, content=first).status_code == 200
    assert clients[1].post(URL, params=q, content=forged).status_code == 401
    assert clients[1].post(URL, params=q, content=first).status_code == 200  # the platform retrying
    assert [o.content for o in _orders(db)] == ["申请残疾人护理补贴"]


def test_plaintext_is_refused_in_aes_mode(safe: FastAPI, client: TestClient, db: Database) -> None:
    body = wx_text("6100000000000000103", "明文冒充").encode()
    assert client.post(URL, params=wx_query(), content=body).status_code == 401
    assert wx_post_aes(client, wx_text("6100000000000000104", "加密的留言")).status_code == 200
    assert [o.content for o in _orders(db)] == ["加密的留言"]


def _entity_bomb(encoding: str) -> bytes:
    doc = (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        '<!DOCTYPE xml [<!ENTITY a "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        "<xml><ToUserName>gh</ToUserName><FromUserName>oUser123</FromUserName><MsgType>text</MsgType>"
        "<Content>&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;</Content>"
        "<MsgId>6100000000000000105</MsgId></xml>"
    )
    return doc.encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-be", "utf-32"])
def test_dtd_is_refused_in_any_encoding(
    plain: FastAPI, client: TestClient, db: Database, encoding: str
) -> None:
    r = client.post(URL, params=wx_query(), content=_entity_bomb(encoding))
    assert r.status_code == 422, r.text
    assert _orders(db) == []


def test_dtd_inside_the_aes_envelope_and_too_much_text_are_refused(
    safe: FastAPI, client: TestClient, db: Database
) -> None:
    assert wx_post_aes(client, _entity_bomb("utf-8").decode()).status_code == 422
    assert wx_post_aes(client, wx_text("6100000000000000106", "长" * 9_000)).status_code == 422
    assert _orders(db) == []


def test_voice_and_image_become_orders(safe: FastAPI, client: TestClient, db: Database) -> None:
    voice = wx_message(
        "6100000000000000107",
        "voice",
        "<MediaId><![CDATA[media-voice-1]]></MediaId><Format><![CDATA[amr]]></Format>"
        "<Recognition><![CDATA[我家老人走失了请帮忙]]></Recognition>",
    )
    unrecognised = wx_message(
        "6100000000000000108", "voice", "<MediaId><![CDATA[media-voice-2]]></MediaId><Format>amr</Format>"
    )
    image = wx_message(
        "6100000000000000109",
        "image",
        "<PicUrl><![CDATA[http://mmbiz.qpic.cn/pic-1]]></PicUrl><MediaId><![CDATA[media-pic-1]]></MediaId>",
        user="oUser456",
    )
    for xml in (voice, unrecognised, image):
        r = wx_post_aes(client, xml)
        inner = {
            c.tag: c.text or ""
            for c in ET.fromstring(wx_decrypt(ET.fromstring(r.content).findtext("Encrypt") or ""))
        }
        assert "GD" in inner["Content"]
    orders = _orders(db)
    assert [o.title for o in orders] == ["我家老人走失了请帮忙", "（语音留言，未能识别文字）", "（图片留言）"]
    assert "media-voice-1" in orders[0].content and "media-voice-2" in orders[1].content
    assert "http://mmbiz.qpic.cn/pic-1" in orders[2].content and "media-pic-1" in orders[2].content
    assert [o.contact_address for o in orders] == ["oUser123", "oUser123", "oUser456"]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(InboundMessage)) == 3


def test_events_are_not_intake(plain: FastAPI, client: TestClient, db: Database) -> None:
    event = wx_message("0", "event", "<Event><![CDATA[subscribe]]></Event>").encode()
    assert client.post(URL, params=wx_query(), content=event).text == "success"
    assert _orders(db) == []
