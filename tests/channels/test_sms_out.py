"""SMS receipts go to a real HTTP gateway, signed; a refused send is retried on the next run."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from hotline.channels import inbox
from hotline.channels.models import Acknowledgement
from hotline.channels.settings import ChannelSettings
from hotline.channels.sms import sign
from hotline.channels.sms_out import send_queued
from hotline.store.db import Database

SECRET = "gateway-secret"


class Gateway:
    def __init__(self) -> None:
        self.received: list[dict[str, str]] = []
        self.fail_next = 0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                ts, sig = self.headers["X-Hotline-Timestamp"], self.headers["X-Hotline-Signature"]
                ok_sig = sig == sign(SECRET, ts, body)
                if gateway.fail_next or not ok_sig:
                    gateway.fail_next = max(0, gateway.fail_next - 1)
                    self.send_response(500 if ok_sig else 401)
                else:
                    gateway.received.append(json.loads(body))
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    gw = Gateway()
    yield gw
    gw.server.shutdown()


def test_receipts_are_sent_signed_and_retried(db: Database, gateway: Gateway) -> None:
    settings = ChannelSettings(sms_secret=SECRET, sms_gateway_url=gateway.url)
    _, order = inbox.intake(db, "sms", "m-1", "13800001111", "老人想申请居家养老服务", "{}")
    assert order is not None
    assert send_queued(db, settings=ChannelSettings(sms_secret=SECRET)) == 0  # no gateway: stays queued

    gateway.fail_next = 1
    assert send_queued(db, settings=settings) == 0
    with db.session() as s:
        assert s.scalars(select(Acknowledgement.status)).all() == ["failed"]

    assert send_queued(db, settings=settings) == 1
    assert gateway.received == [
        {"to": "13800001111", "text": gateway.received[0]["text"], "ref": gateway.received[0]["ref"]}
    ]
    assert order.number in gateway.received[0]["text"]
    with db.session() as s:
        assert s.scalars(select(Acknowledgement.status)).all() == ["sent"]
    assert send_queued(db, settings=settings) == 0  # sent once only


def test_wrong_secret_is_refused_by_the_gateway(db: Database, gateway: Gateway) -> None:
    inbox.intake(db, "sms", "m-2", "13800002222", "咨询低保", "{}")
    assert send_queued(db, settings=ChannelSettings(sms_secret="wrong", sms_gateway_url=gateway.url)) == 0
    assert gateway.received == []
