"""The mailbox against real peers: a stdlib smtplib client sends mail to the aiosmtpd receiver;
the acknowledgement goes out by SMTP to a second aiosmtpd server standing in for the relay."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from hotline.channels import mailbox
from hotline.channels.models import Acknowledgement, InboundMessage
from hotline.channels.settings import ChannelSettings
from hotline.store.db import Database
from hotline.workorders.models import WorkOrder
from tests.pg import free_port


class Relay:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def running(db: Database) -> Iterator[tuple[ChannelSettings, Relay]]:
    relay = Relay()
    relay_ctl = Controller(relay, hostname="127.0.0.1", port=free_port())
    relay_ctl.start()
    cfg = ChannelSettings(
        mailbox_port=free_port(), smtp_relay_port=relay_ctl.port, mailbox_address="xinxiang@hotline.local"
    )
    ctl = mailbox.start(db, cfg)
    yield cfg, relay
    ctl.stop()
    relay_ctl.stop()


def _mail(msg_id: str, body: str = "我母亲的养老服务补贴一直没有到账，请帮忙查一下。") -> EmailMessage:
    m = EmailMessage()
    m["From"] = "王先生 <citizen@example.org>"
    m["To"] = "xinxiang@hotline.local"
    m["Subject"] = "养老补贴没有到账"
    m["Message-ID"] = msg_id
    m.set_content(body)
    return m


def test_mail_becomes_an_order_and_is_acknowledged(
    running: tuple[ChannelSettings, Relay], db: Database
) -> None:
    cfg, relay = running
    with smtplib.SMTP(cfg.mailbox_host, cfg.mailbox_port, timeout=10) as smtp:
        smtp.send_message(_mail("<m1@example.org>"))
        smtp.send_message(_mail("<m1@example.org>"))  # re-sent: a duplicate
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            smtp.sendmail("a@example.org", ["someone-else@hotline.local"], b"Subject: x\r\n\r\nhi")
    with db.session() as s:
        order = s.scalars(select(WorkOrder)).one()
        assert order.channel == "mailbox" and order.title == "养老补贴没有到账" and "到账" in order.content
        ack = s.scalars(select(Acknowledgement)).one()
        assert ack.status == "sent" and ack.recipient == "citizen@example.org"
    assert len(relay.messages) == 1
    reply = relay.messages[0].decode()
    assert "citizen@example.org" in reply and "In-Reply-To: <m1@example.org>" in reply


def test_store_down_answers_451_and_keeps_nothing_half_done(
    running: tuple[ChannelSettings, Relay], db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg, _relay = running

    def down(*a: object, **k: object) -> None:
        raise OSError("database unavailable")

    monkeypatch.setattr(mailbox.inbox, "store", down)
    with smtplib.SMTP(cfg.mailbox_host, cfg.mailbox_port, timeout=10) as smtp:
        with pytest.raises(smtplib.SMTPDataError) as exc:
            smtp.send_message(_mail("<m2@example.org>"))
        assert exc.value.smtp_code == 451  # the sending server keeps the mail and retries
    monkeypatch.undo()
    with smtplib.SMTP(cfg.mailbox_host, cfg.mailbox_port, timeout=10) as smtp:
        smtp.send_message(_mail("<m2@example.org>"))  # the retry
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(InboundMessage)) == 1
        assert s.scalar(select(func.count()).select_from(WorkOrder)) == 1
