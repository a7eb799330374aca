"""WeChat citizens get the answer as a customer-service message: a local HTTP server stands in for
the WeChat API (access token, then `message/custom/send`); past the 48-hour window after the
citizen's last message the answer is refused, clearly, on the order's timeline."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from hotline.channels import inbox, replies, wechat_out
from hotline.channels.models import InboundMessage, OutboundReply
from hotline.channels.settings import ChannelSettings
from hotline.store.base import utcnow
from hotline.store.db import Database
from hotline.workorders.lifecycle import act
from hotline.workorders.models import WorkOrderEvent
from hotline.workorders.service import SYSTEM_WHO
from tests.channels.answering import answer

OPENID = "oABCD1234openid"


class WeChatApi:
    def __init__(self) -> None:
        self.tokens: list[dict[str, list[str]]] = []
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.expire_next = 0
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _json(self, data: dict[str, Any]) -> None:
                body = json.dumps(data).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                assert url.path == "/cgi-bin/token"
                query = parse_qs(url.query)
                api.tokens.append(query)
                ok = query.get("secret") == ["app-secret"]
                n = len(api.tokens)
                self._json({"access_token": f"T{n}", "expires_in": 7200} if ok else {"errcode": 40125})

            def do_POST(self) -> None:
                url = urlparse(self.path)
                assert url.path == "/cgi-bin/message/custom/send"
                token = parse_qs(url.query)["access_token"][0]
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                if api.expire_next:
                    api.expire_next -= 1
                    self._json({"errcode": 42001, "errmsg": "access_token expired"})
                    return
                if len(body["text"]["content"].encode()) > 2048:
                    self._json({"errcode": 45002, "errmsg": "content size out of limit"})
                    return
                api.sent.append((token, body))
                self._json({"errcode": 0, "errmsg": "ok", "msgid": 1000 + len(api.sent)})

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def api() -> Iterator[WeChatApi]:
    wechat_out._tokens.clear()  # a token cached by another test's server means nothing here
    server = WeChatApi()
    yield server
    server.server.shutdown()


def _cfg(api: WeChatApi) -> ChannelSettings:
    return ChannelSettings(wechat_api_base=api.base, wechat_app_id="wxapp", wechat_app_secret="app-secret")


def _timeline(db: Database, order_id: int) -> list[tuple[str, str | None]]:
    with db.session() as s:
        return [
            (e.action, e.note)
            for e in s.scalars(
                select(WorkOrderEvent)
                .where(WorkOrderEvent.workorder_id == order_id, WorkOrderEvent.action.like("channel_reply%"))
                .order_by(WorkOrderEvent.id)
            )
        ]


def test_the_answer_goes_out_as_a_customer_service_message(db: Database, api: WeChatApi) -> None:
    _, order = inbox.intake(db, "wechat", "msg-1", OPENID, "小区电梯坏了一周", "<xml/>")
    assert order is not None
    answer(db, order.id, "已通知物业，三日内修复。")
    api.expire_next = 1  # the first token is refused as expired: fetched again, sent once
    assert replies.run(db, settings=_cfg(api)) == 1
    assert len(api.tokens) == 2 and api.tokens[0]["grant_type"] == ["client_credential"]
    assert api.tokens[0]["appid"] == ["wxapp"]
    assert len(api.sent) == 1
    token, body = api.sent[0]
    assert token == "T2" and body["touser"] == OPENID and body["msgtype"] == "text"
    assert "三日内修复" in body["text"]["content"] and order.number in body["text"]["content"]
    with db.session() as s:
        assert s.scalars(select(OutboundReply.external_ref)).one() == "1001"
    assert [a for a, _ in _timeline(db, order.id)] == ["channel_reply_sent"]


def test_outside_the_48_hour_window_the_answer_is_refused(db: Database, api: WeChatApi) -> None:
    _, order = inbox.intake(db, "wechat", "msg-2", OPENID, "咨询高龄津贴", "<xml/>")
    assert order is not None
    answer(db, order.id, "高龄津贴每月 100 元。")
    later = utcnow() + timedelta(hours=49)
    assert replies.run(db, later, _cfg(api)) == 0
    assert api.sent == [] and api.tokens == []  # WeChat was not even asked
    with db.session() as s:
        r = s.scalars(select(OutboundReply)).one()
        assert r.status == "refused" and "48 hours" in (r.error or "")
    assert replies.run(db, later + timedelta(days=1), _cfg(api)) == 0  # never retried
    ((action, note),) = _timeline(db, order.id)
    assert action == "channel_reply_refused" and note is not None
    assert "无法发送" in note and "超过 48 小时" in note and "请电话答复" in note


def test_a_newer_message_from_the_citizen_opens_the_window_again(db: Database, api: WeChatApi) -> None:
    _, order = inbox.intake(db, "wechat", "msg-3", OPENID, "咨询高龄津贴", "<xml/>")
    assert order is not None
    answer(db, order.id, "高龄津贴每月 100 元。")
    with db.session() as s:  # the order's message is three days old ...
        first = s.scalars(select(InboundMessage).where(InboundMessage.external_id == "msg-3")).one()
        first.received_at = utcnow() - timedelta(days=3)
    assert replies.run(db, settings=_cfg(api)) == 0
    # ... then the citizen writes again (ask again): the last message counts, and an operator's
    # re-queue is not needed for a refused one — a new answer is a new event.
    inbox.store(db, "wechat", "msg-4", OPENID, "请问有结果吗", "<xml/>")
    with db.session() as s:
        act(s, SYSTEM_WHO, order.id, "start_return_visit", None)
        act(s, SYSTEM_WHO, order.id, "close", None, satisfaction="satisfied")
    assert replies.run(db, settings=_cfg(api)) == 1
    assert [a for a, _ in _timeline(db, order.id)] == ["channel_reply_refused", "channel_reply_sent"]


def test_a_long_answer_is_cut_to_one_message(db: Database, api: WeChatApi) -> None:
    _, order = inbox.intake(db, "wechat", "msg-5", OPENID, "咨询养老服务补贴政策", "<xml/>")
    assert order is not None
    answer(db, order.id, "补贴政策说明。" * 400)
    assert replies.run(db, settings=_cfg(api)) == 1
    content = api.sent[0][1]["text"]["content"]
    assert len(content.encode()) <= wechat_out.MAX_BYTES and content.endswith("全文请拨打热线查询）")
