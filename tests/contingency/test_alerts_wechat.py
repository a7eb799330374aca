"""Alerts reach the people on duty by WeChat template message (模板消息) too, through the WeChat
channel's API client. A local HTTP server plays WeChat's API as documented: `GET /cgi-bin/token`,
then `POST /cgi-bin/message/template/send?access_token=...` with `touser`, `template_id` and
`data.{key}.value`, answered `{"errcode":0,"errmsg":"ok","msgid":...}`; 42001 (token expired) makes
the client fetch a new token and send again, 43004 (the recipient does not follow the account) is
final for that recipient and the others still get theirs, as do SMS and mail."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from hotline.channels import wechat_out
from hotline.channels.settings import ChannelSettings
from hotline.contingency import alerts
from hotline.contingency.alert_settings import AlertSettings
from hotline.store.base import utcnow
from hotline.store.db import Database
from tests.channels.test_sms_out import SECRET, Gateway

TEMPLATE = "tmpl-alert-0001"
FOLLOWING = {"oDuty0001", "oLeader0009"}


class TemplateApi:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.tokens = 0
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
                assert urlparse(self.path).path == "/cgi-bin/token"
                api.tokens += 1
                self._json({"access_token": f"T{api.tokens}", "expires_in": 7200})

            def do_POST(self) -> None:
                url = urlparse(self.path)
                assert url.path == "/cgi-bin/message/template/send"
                token = parse_qs(url.query)["access_token"][0]
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                if api.expire_next:
                    api.expire_next -= 1
                    self._json({"errcode": 42001, "errmsg": "access_token expired"})
                elif body.get("template_id") != TEMPLATE:
                    self._json({"errcode": 40037, "errmsg": "invalid template_id"})
                elif body["touser"] not in FOLLOWING:
                    self._json({"errcode": 43004, "errmsg": "require subscribe"})
                else:
                    api.sent.append((token, body))
                    self._json({"errcode": 0, "errmsg": "ok", "msgid": 200228332 + len(api.sent)})

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def api() -> Iterator[TemplateApi]:
    wechat_out._tokens.clear()  # a token cached by another test's server means nothing here
    server = TemplateApi()
    yield server
    server.server.shutdown()


def test_alert_by_wechat_template_escalated_and_recovered(db: Database, api: TemplateApi) -> None:
    gw = Gateway()
    settings = AlertSettings(
        duty_mobiles=["13900000001"],
        duty_openids=["oDuty0001", "oNotFollowing"],
        leader_openids=["oLeader0009"],
        wechat_template_id=TEMPLATE,
        escalate_after_seconds=600,
    )
    channels = ChannelSettings(
        sms_secret=SECRET,
        sms_gateway_url=gw.url,
        wechat_api_base=api.base,
        wechat_app_id="wxapp",
        wechat_app_secret="app-secret",
    )
    now = utcnow()
    try:
        with db.session() as s:
            alerts.raise_alert(s, "queue_over", "queue_over:general", "排队超限：综合 12 人等待", now)
        api.expire_next = 1  # the cached token has expired: fetched again, sent again
        assert alerts.deliver(db, now, settings, channels) == 1
        [(token, body)] = api.sent
        assert token == "T2" and body["touser"] == "oDuty0001" and body["template_id"] == TEMPLATE
        data = {k: v["value"] for k, v in body["data"].items()}
        assert data["first"] == "【热线告警】" and data["keyword1"] == "排队超限：综合 12 人等待"
        assert len(data["keyword2"]) == 16 and "确认" in data["remark"]  # local time, how to acknowledge
        assert [m["to"] for m in gw.received] == ["13900000001"]  # SMS went too

        later = now + timedelta(minutes=11)  # nobody acknowledged: the duty leader
        assert alerts.deliver(db, later, settings, channels) == 1
        assert api.sent[-1][1]["touser"] == "oLeader0009"
        assert api.sent[-1][1]["data"]["keyword1"]["value"].startswith("无人确认，已升级")
        with db.session() as s:
            alerts.resolve(s, "queue_over:general", later)
        assert alerts.deliver(db, later, settings, channels) == 1
        assert api.sent[-1][1]["touser"] == "oDuty0001"
        assert api.sent[-1][1]["data"]["keyword1"]["value"].startswith("已恢复")
        assert len(api.sent) == 3  # "oNotFollowing" refused each time (43004), never retried forever
    finally:
        gw.server.shutdown()


def test_template_refusals_are_final(api: TemplateApi) -> None:
    channels = ChannelSettings(
        wechat_api_base=api.base, wechat_app_id="wxapp", wechat_app_secret="app-secret"
    )
    with httpx.Client() as client:
        assert wechat_out.send_template(channels, client, "oDuty0001", TEMPLATE, {"first": "x"}).startswith(
            "2002"
        )
        with pytest.raises(wechat_out.Refused):
            wechat_out.send_template(channels, client, "oNotFollowing", TEMPLATE, {"first": "x"})
        with pytest.raises(wechat_out.Refused):
            wechat_out.send_template(channels, client, "oDuty0001", "wrong-template", {"first": "x"})
