"""Acknowledgements the receiver could not send at once still go out, by real SMTP: the order of a
mail whose processing failed is made by a later retry, and a relay that was down comes back."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from hotline.channels import inbox
from hotline.channels.mail_out import send_queued_mail
from hotline.channels.models import Acknowledgement
from hotline.store.base import utcnow
from hotline.store.db import Database
from tests.channels.mailrig import ADDRESS, mailbox_rig
from tests.pg import free_port


def _mail(msg_id: str) -> bytes:
    m = EmailMessage()
    m["From"] = "王先生 <citizen@example.org>"
    m["To"] = ADDRESS
    m["Subject"] = "低保申请进度"
    m["Message-ID"] = msg_id
    m.set_content("上个月提交的低保申请，请问进度如何？")
    return m.as_bytes(policy=email.policy.SMTP)


def _statuses(db: Database) -> list[str]:
    with db.session() as s:
        return list(s.scalars(select(Acknowledgement.status).order_by(Acknowledgement.id)))


def test_an_order_made_by_a_retry_is_acknowledged(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    import hotline.channels.inbox as mod

    def broken(*a: object, **k: object) -> None:
        raise RuntimeError("database went away")

    with mailbox_rig(db) as rig:
        monkeypatch.setattr(mod, "create", broken)
        rig.send(_mail("<late@example.org>"))  # stored (250), processing failed
        monkeypatch.undo()
        assert rig.relay.messages == [] and _statuses(db) == []
        assert inbox.retry_pending(db, force=True) == 1
        now = utcnow()
        assert send_queued_mail(db, now, rig.cfg) == 0  # queued moments ago: the receiver's turn
        assert send_queued_mail(db, now + timedelta(minutes=3), rig.cfg) == 1
        assert send_queued_mail(db, now + timedelta(minutes=4), rig.cfg) == 0  # once only
    assert _statuses(db) == ["sent"]
    reply = email.message_from_bytes(rig.relay.messages[0], policy=email.policy.default)
    assert reply["To"] == "citizen@example.org" and reply["In-Reply-To"] == "<late@example.org>"


def test_a_relay_that_was_down_gets_the_acknowledgement_later(db: Database) -> None:
    with mailbox_rig(db, smtp_relay_port=free_port()) as down:  # nothing listens there
        down.send(_mail("<relay-down@example.org>"))
    assert _statuses(db) == ["failed"]
    with mailbox_rig(db) as rig:
        assert send_queued_mail(db, settings=rig.cfg) == 1
        assert len(rig.relay.messages) == 1
    assert _statuses(db) == ["sent"]
