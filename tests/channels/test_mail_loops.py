"""Mail loops and answering robots, with real SMTP on both sides: a forged mail from our own
address, our own acknowledgement coming back, auto-replies, bulk and list mail, bounces and the
null sender are stored (raw, flagged `held`) but never become orders or get answered; a citizen
gets at most N acknowledgements an hour; the acknowledgement is a well-formed automatic reply."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from hotline.channels.models import Acknowledgement, InboundMessage
from hotline.store.db import Database
from hotline.workorders.models import WorkOrder
from tests.channels.mailrig import ADDRESS, mailbox_rig


def _mail(msg_id: str, sender: str = "王先生 <citizen@example.org>", **headers: str) -> bytes:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = ADDRESS
    m["Subject"] = "养老补贴没有到账"
    m["Message-ID"] = msg_id
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    m.set_content("我母亲的养老服务补贴一直没有到账，请帮忙查一下。")
    return m.as_bytes(policy=email.policy.SMTP)


def _rows(db: Database) -> list[InboundMessage]:
    with db.session() as s:
        return list(s.scalars(select(InboundMessage).order_by(InboundMessage.id)))


def _orders(db: Database) -> int:
    with db.session() as s:
        return len(s.scalars(select(WorkOrder.id)).all())


def test_forged_own_address_and_our_own_ack_do_not_loop(db: Database) -> None:
    with mailbox_rig(db) as rig:
        rig.send(_mail("<forged@example.org>", sender=ADDRESS), sender=ADDRESS)
        assert rig.relay.messages == []  # nothing answered
        rig.send(_mail("<m1@example.org>"))  # a citizen: one order, one acknowledgement
        assert len(rig.relay.messages) == 1
        # The acknowledgement bounces back into the mailbox (an alias, a forwarding rule): held.
        rig.send(rig.relay.messages[0], sender="citizen@example.org")
        assert len(rig.relay.messages) == 1
    rows = _rows(db)
    assert [(r.status, r.flag) for r in rows] == [
        ("held", "loop:own-address"),
        ("processed", None),
        ("held", "loop:own-address"),
    ]
    assert _orders(db) == 1
    with db.session() as s:
        raw = s.scalars(select(InboundMessage.raw).where(InboundMessage.id == rows[0].id)).one()
        assert b"forged@example.org" in raw  # kept whole, nothing lost


@pytest.mark.parametrize(
    ("headers", "envelope", "flag"),
    [
        ({"Auto_Submitted": "auto-replied"}, "citizen@example.org", "auto:auto-submitted"),
        ({"Precedence": "bulk"}, "citizen@example.org", "auto:precedence"),
        ({"List_Id": "<news.example.org>"}, "citizen@example.org", "auto:list"),
        ({"X_Loop": ADDRESS}, "citizen@example.org", "loop:x-loop"),
        ({}, "<>", "auto:null-sender"),
        ({}, "MAILER-DAEMON@example.org", "auto:mailer-daemon"),
    ],
)
def test_automated_mail_is_kept_but_never_answered(
    sqlite_db: Database, headers: dict[str, str], envelope: str, flag: str
) -> None:
    sender = "MAILER-DAEMON@example.org" if "DAEMON" in envelope else "王先生 <citizen@example.org>"
    with mailbox_rig(sqlite_db) as rig:
        rig.send(_mail("<auto@example.org>", sender=sender, **headers), sender=envelope)
        assert rig.relay.messages == []
    assert [(r.status, r.flag) for r in _rows(sqlite_db)] == [("held", flag)]
    assert _orders(sqlite_db) == 0


def test_auto_submitted_no_is_a_person(sqlite_db: Database) -> None:
    with mailbox_rig(sqlite_db) as rig:
        rig.send(_mail("<person@example.org>", Auto_Submitted="no"))
        assert len(rig.relay.messages) == 1


def test_acknowledgements_are_rate_limited_per_sender(db: Database) -> None:
    with mailbox_rig(db, ack_per_recipient_per_hour=3) as rig:
        for i in range(5):
            rig.send(_mail(f"<flood-{i}@example.org>"))
        rig.send(_mail("<other@example.org>", sender="李女士 <li@example.org>"), sender="li@example.org")
        assert len(rig.relay.messages) == 4  # three for the flooding address, one for another
    assert _orders(db) == 6  # every mail is still an order
    with db.session() as s:
        statuses = s.scalars(
            select(Acknowledgement.status)
            .where(Acknowledgement.recipient == "citizen@example.org")
            .order_by(Acknowledgement.id)
        ).all()
    assert statuses == ["sent"] * 3 + ["suppressed"] * 2


def test_acknowledgement_is_a_well_formed_automatic_reply(sqlite_db: Database) -> None:
    with mailbox_rig(sqlite_db) as rig:
        rig.send(_mail("<m9@example.org>"))
    assert rig.relay.senders == ["<>"]  # bounces of an automatic reply go nowhere
    reply = email.message_from_bytes(rig.relay.messages[0], policy=email.policy.default)
    assert reply["Date"] and email.utils.parsedate_to_datetime(str(reply["Date"])) is not None
    assert str(reply["Message-ID"]).startswith("<") and str(reply["Message-ID"]).endswith("@hotline.local>")
    assert reply["Auto-Submitted"] == "auto-replied" and reply["X-Loop"] == ADDRESS
    assert reply["In-Reply-To"] == "<m9@example.org>" and reply["To"] == "citizen@example.org"
