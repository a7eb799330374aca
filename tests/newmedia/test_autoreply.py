"""WeChat auto-reply, with wechatpy's WXBizMsgCrypt playing the WeChat server in safe (AES) mode:
a citizen's question gets the short answer of the served, valid article that matches it (no order);
"人工" hands the conversation to an agent as a draft order carrying what was asked and answered;
a question the knowledge base cannot answer (or only an expired article could) becomes an order
as before; WeChat's retry of a message gets the same answer, once."""

from __future__ import annotations

import os
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from hotline.newmedia.autoreply import KnowledgeAnswerer
from hotline.newmedia.models import WechatTurn
from hotline.newmedia.settings import NewMediaSettings
from hotline.store.base import utcnow
from hotline.store.db import Database
from hotline.workorders.models import WorkOrder
from tests.channels.wxrig import AES_KEY, APP_ID, TOKEN, safe_mode, wx_text
from tests.knowledge.helpers import make_article

ANSWER = "本市户籍、年满80周岁的老年人可以申领高龄津贴，带身份证、户口本到社区居委会申请。"


@pytest.fixture
def safe(app: FastAPI) -> Iterator[FastAPI]:
    yield from safe_mode(app)


@pytest.fixture
def articles(db: Database) -> None:
    make_article(
        db,
        title="高龄津贴申领条件和办理方式",
        questions=["高龄津贴怎么申请", "老人满80岁能领高龄津贴吗"],
        answer_short=ANSWER,
    )
    # Valid for one more day: asked about two days from now, it is no longer served.
    make_article(
        db,
        title="2019年冬季取暖补贴发放",
        category="救助/取暖补贴",
        questions=["冬季取暖补贴怎么领"],
        answer_short="已停止发放的旧政策。",
        valid_until=utcnow() + timedelta(days=1),
    )


def ask(client: TestClient, msg_id: str, text: str, user: str = "oCitizen1") -> str:
    """Push one text message as WeChat does in safe mode; returns our decrypted passive reply."""
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    stamp, nonce = str(int(time.time())), os.urandom(6).hex()
    envelope = ET.fromstring(
        crypto.encrypt_message(wx_text(msg_id, text).replace("oUser123", user), nonce, stamp)
    )
    encrypted, msg_signature = envelope.findtext("Encrypt") or "", envelope.findtext("MsgSignature") or ""
    body = f"<xml><ToUserName>gh_account</ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    params = {
        "timestamp": stamp,
        "nonce": nonce,
        "signature": _signature(TOKEN, stamp, nonce),
        "encrypt_type": "aes",
        "msg_signature": msg_signature,
    }
    resp = client.post("/api/channels/wechat", params=params, content=body.encode())
    assert resp.status_code == 200, resp.text
    reply = ET.fromstring(resp.content)
    sig = reply.findtext("MsgSignature") or ""
    inner = crypto.decrypt_message(resp.text, sig, reply.findtext("TimeStamp"), reply.findtext("Nonce"))
    message = ET.fromstring(inner)
    assert message.findtext("ToUserName") == user
    return message.findtext("Content") or ""


def _signature(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return str(signer.signature)


def _orders(db: Database) -> list[WorkOrder]:
    with db.session() as s:
        return list(s.scalars(select(WorkOrder).order_by(WorkOrder.id)))


def _turns(db: Database) -> list[WechatTurn]:
    with db.session() as s:
        return list(s.scalars(select(WechatTurn).order_by(WechatTurn.id)))


def test_a_question_gets_the_knowledge_answer_and_person_hands_over(
    safe: FastAPI, articles: None, client: TestClient, db: Database, auth: Any
) -> None:
    answer = ask(client, "70001", "请问老人满80岁的高龄津贴怎么申请？")
    assert answer.startswith(ANSWER)
    assert "高龄津贴申领条件和办理方式" in answer and "人工" in answer
    assert _orders(db) == []  # answered: nothing for an agent to do

    # WeChat retries a message it got no answer to within 5 s: the same answer, one turn.
    assert ask(client, "70001", "请问老人满80岁的高龄津贴怎么申请？") == answer
    assert [t.outcome for t in _turns(db)] == ["answered"]

    ack = ask(client, "70002", "人工")
    (order,) = _orders(db)
    assert order.number in ack and order.channel == "wechat" and order.state == "draft"
    assert order.contact_address == "oCitizen1"
    assert "请求人工服务" in order.content
    assert "问：请问老人满80岁的高龄津贴怎么申请？" in order.content
    assert "高龄津贴申领条件和办理方式" in order.content
    assert [(t.outcome, t.reason) for t in _turns(db)] == [
        ("answered", "matched"),
        ("handed_over", "asked_for_person"),
    ]

    listed = client.get("/api/newmedia/wechat/turns", headers=auth("supervisor")).json()
    assert [t["reason"] for t in listed] == ["asked_for_person", "matched"]
    assert client.get("/api/newmedia/wechat/turns", headers=auth("agent")).status_code == 403


def test_unanswerable_goes_to_an_agent(
    safe: FastAPI, articles: None, client: TestClient, db: Database
) -> None:
    ack = ask(client, "71001", "我家楼下的路灯坏了好几天了", user="oCitizen2")
    (order,) = _orders(db)
    assert order.number in ack and order.content == "我家楼下的路灯坏了好几天了"
    assert [t.reason for t in _turns(db)] in (["no_match"], ["low_confidence"])


def test_an_expired_article_is_never_the_answer(articles: None, db: Database, tmp_root: Path) -> None:
    answerer = KnowledgeAnswerer(db, tmp_root / "data", NewMediaSettings())
    assert answerer("oCitizen3", "72001", "冬季取暖补贴怎么领").reply is not None  # valid today
    later = answerer("oCitizen3", "72002", "冬季取暖补贴怎么领", now=utcnow() + timedelta(days=2))
    assert later.reply is None
    assert _turns(db)[-1].article_title != "2019年冬季取暖补贴发放"
