"""The department's answer and the closing reach the citizen over their own channel: by real SMTP
(threaded to their mail), through the signed SMS gateway, and as a WeChat customer-service message
(refused after the 48-hour window); failures back off into a dead letter; every outcome is on the
order's timeline."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from email.message import EmailMessage

from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.channels import inbox, replies
from hotline.channels.models import InboundMessage, OutboundReply
from hotline.channels.settings import ChannelSettings
from hotline.people.models import Caller, CallerPhone
from hotline.store.base import utcnow
from hotline.store.db import Database
from hotline.workorders.models import WorkOrder, WorkOrderEvent
from tests.channels.answering import answer, close
from tests.channels.mailrig import ADDRESS, mailbox_rig
from tests.channels.test_sms_out import SECRET, Gateway
from tests.pg import free_port

Auth = Callable[[str], dict[str, str]]


def _mail(msg_id: str) -> bytes:
    m = EmailMessage()
    m["From"] = "王先生 <citizen@example.org>"
    m["To"] = ADDRESS
    m["Subject"] = "低保申请进度"
    m["Message-ID"] = msg_id
    m.set_content("上个月提交的低保申请，请问进度如何？")
    return m.as_bytes(policy=email.policy.SMTP)


def _events(db: Database, order_id: int) -> list[tuple[str, str | None]]:
    with db.session() as s:
        return [
            (e.action, e.note)
            for e in s.scalars(
                select(WorkOrderEvent)
                .where(WorkOrderEvent.workorder_id == order_id, WorkOrderEvent.action.like("channel_reply%"))
                .order_by(WorkOrderEvent.id)
            )
        ]


def _order_of(db: Database, external_id: str) -> int:
    with db.session() as s:
        oid = s.scalar(select(InboundMessage.workorder_id).where(InboundMessage.external_id == external_id))
    assert oid is not None
    return int(oid)


def test_the_citizen_receives_the_answer_by_mail_threaded_to_their_own(db: Database) -> None:
    with mailbox_rig(db) as rig:
        rig.send(_mail("<ask-1@example.org>"))  # by real SMTP into our receiver
        order_id = _order_of(db, "<ask-1@example.org>")
        acks = len(rig.relay.messages)
        answer(db, order_id)
        assert replies.run(db, settings=rig.cfg) == 1
        assert replies.run(db, settings=rig.cfg) == 0  # once only
        close(db, order_id)
        assert replies.run(db, settings=rig.cfg) == 1
    sent = [email.message_from_bytes(m, policy=email.policy.default) for m in rig.relay.messages[acks:]]
    first = sent[0]
    assert first["To"] == "citizen@example.org" and first["From"] == ADDRESS
    assert first["In-Reply-To"] == "<ask-1@example.org>" and first["References"] == "<ask-1@example.org>"
    assert first["Date"] and first["Message-ID"] and first["Message-ID"] != sent[1]["Message-ID"]
    assert first["Auto-Submitted"] is None  # a person's answer, not an automatic one
    assert "低保申请进度" in first["Subject"]
    assert "下月起发放" in first.get_content() and "已办结" in sent[1].get_content()
    assert rig.relay.senders[acks:] == [ADDRESS, ADDRESS]
    assert [a for a, _ in _events(db, order_id)] == ["channel_reply_sent", "channel_reply_sent"]
    with db.session() as s:
        refs = list(s.scalars(select(OutboundReply.external_ref).order_by(OutboundReply.id)))
    assert refs == [first["Message-ID"], sent[1]["Message-ID"]]


def test_a_relay_that_stays_down_backs_off_into_a_dead_letter(db: Database) -> None:
    with mailbox_rig(db) as rig:
        rig.send(_mail("<ask-2@example.org>"))
        order_id = _order_of(db, "<ask-2@example.org>")
    answer(db, order_id)
    cfg = rig.cfg.model_copy(update={"smtp_relay_port": free_port(), "reply_max_attempts": 3})
    now = utcnow()
    assert replies.run(db, now, cfg) == 0
    with db.session() as s:
        r = s.scalars(select(OutboundReply)).one()
        assert (r.status, r.attempts) == ("failed", 1) and r.next_attempt_at is not None
        first_due = r.next_attempt_at
    assert replies.send_due(db, now, cfg) == 0  # not due yet: nothing tried
    assert replies.send_due(db, first_due, cfg) == 0
    with db.session() as s:
        r = s.scalars(select(OutboundReply)).one()
        assert r.attempts == 2 and r.next_attempt_at is not None
        assert r.next_attempt_at - first_due > first_due - now  # backed off exponentially
        second_due = r.next_attempt_at
    replies.send_due(db, second_due, cfg)
    with db.session() as s:
        assert s.scalars(select(OutboundReply.status)).one() == "dead"
    assert [a for a, _ in _events(db, order_id)] == ["channel_reply_dead"]


def test_the_sms_citizen_gets_the_answer_through_the_signed_gateway(db: Database) -> None:
    gateway = Gateway()
    try:
        cfg = ChannelSettings(sms_secret=SECRET, sms_gateway_url=gateway.url)
        _, order = inbox.intake(db, "sms", "s-1", "13800001111", "老人想申请居家养老服务", "{}")
        assert order is not None
        answer(db, order.id, "已为您登记居家养老服务，社区将上门评估。")
        gateway.fail_next = 1
        now = utcnow()
        assert replies.run(db, now, cfg) == 0  # refused once by the gateway: backed off
        with db.session() as s:
            due = s.scalars(select(OutboundReply.next_attempt_at)).one()
        assert due is not None
        assert replies.run(db, due, cfg) == 1
    finally:
        gateway.server.shutdown()
    assert [m["to"] for m in gateway.received] == ["13800001111"]
    assert "社区将上门评估" in gateway.received[0]["text"] and order.number in gateway.received[0]["text"]
    assert gateway.received[0]["ref"].startswith("reply-")
    assert [a for a, _ in _events(db, order.id)] == ["channel_reply_sent"]


def test_a_confidential_answer_names_nobody_the_citizen_did_not(db: Database) -> None:
    gateway = Gateway()
    try:
        cfg = ChannelSettings(sms_secret=SECRET, sms_gateway_url=gateway.url)
        with db.session() as s:
            phones = [CallerPhone(number="13800003333")]
            s.add(Caller(name="李秀英", id_number="110101194001011234", phones=phones))
        _, order = inbox.intake(db, "sms", "s-2", "13800003333", "反映邻居问题，请为我保密", "{}")
        assert order is not None and order.caller_id is not None
        with db.session() as s:
            o = s.get(WorkOrder, order.id)
            assert o is not None
            o.confidential = True
        answer(db, order.id, "李秀英（110101194001011234）反映的问题已核实处理。")
        assert replies.run(db, settings=cfg) == 1
    finally:
        gateway.server.shutdown()
    text = gateway.received[0]["text"]
    assert "李秀英" not in text and "110101194001011234" not in text and "已核实处理" in text


def test_phone_orders_are_not_answered_by_channel(db: Database) -> None:
    _, order = inbox.intake(db, "web", "w-1", "13800004444", "网页留言", "{}")
    assert order is not None
    answer(db, order.id)
    assert replies.queue_due(db) == 0


def test_released_automated_mail_is_never_answered(db: Database) -> None:
    auto = _mail("<robot-1@example.org>").replace(b"Subject:", b"Auto-Submitted: auto-replied\r\nSubject:", 1)
    with mailbox_rig(db) as rig:
        rig.send(auto)
        with db.session() as s:
            held = s.scalars(
                select(InboundMessage).where(InboundMessage.external_id == "<robot-1@example.org>")
            ).one()
            assert held.status == "held"
        order = inbox.revive(db, held.id)  # an operator releases it into an order
        assert order is not None
        answer(db, order.id)
        before = len(rig.relay.messages)
        assert replies.run(db, settings=rig.cfg) == 0
        assert len(rig.relay.messages) == before
    with db.session() as s:
        r = s.scalars(select(OutboundReply)).one()
        assert r.status == "skipped" and "automated" in (r.error or "")
    assert replies.queue_due(db) == 0  # settled: not looked at again


def test_an_operator_retries_a_dead_answer_over_http(db: Database, client: TestClient, auth: Auth) -> None:
    gateway = Gateway()
    try:
        cfg = ChannelSettings(sms_secret=SECRET, sms_gateway_url=gateway.url, reply_max_attempts=1)
        _, order = inbox.intake(db, "sms", "s-9", "13800009999", "咨询高龄津贴", "{}")
        assert order is not None
        answer(db, order.id)
        gateway.fail_next = 1
        assert replies.run(db, settings=cfg) == 0
        (dead,) = client.get("/api/channels/replies?status=dead", headers=auth("admin")).json()
        assert (
            client.post(f"/api/channels/replies/{dead['id']}/retry", headers=auth("agent")).status_code == 403
        )
        again = client.post(f"/api/channels/replies/{dead['id']}/retry", headers=auth("admin"))
        assert again.status_code == 200 and again.json()["status"] == "queued"
        assert replies.run(db, settings=cfg) == 1
        audit = client.get("/api/audit", params={"entity": "channel_reply"}, headers=auth("admin")).json()
    finally:
        gateway.server.shutdown()
    labels = {(i["action_zh"], i["entity_zh"]) for i in audit["items"]}
    assert ("受理渠道·答复重新发送", "渠道答复") in labels and ("受理渠道·答复已发送", "渠道答复") in labels
    assert len(gateway.received) == 1
    assert [a for a, _ in _events(db, order.id)] == ["channel_reply_dead", "channel_reply_sent"]
