"""Work-order notifications by mail and SMS, per user preference: a dispatched order mails the
handler who opted in (real SMTP, through an aiosmtpd relay) and nobody else; SMS goes through the
signed gateway with back-off into a dead letter; nothing is sent twice across a restart or a
crash mid-send; quiet hours hold messages back; no citizen's phone or name leaves."""

from __future__ import annotations

import asyncio
import email
import email.policy
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.bus import get_bus
from hotline.channels import notify_out
from hotline.channels.notify_states import STATUS_ZH, TABLE, TRANSITIONS, Status, Step
from hotline.channels.settings import ChannelSettings
from hotline.errors import Conflict
from hotline.people.permissions import Role
from hotline.store.base import utcnow
from hotline.store.db import Database
from hotline.workorders.deadlines import sweep_deadlines
from hotline.workorders.lifecycle import act
from hotline.workorders.models import NotifyDelivery
from hotline.workorders.service import SYSTEM_WHO
from hotline.workorders.topics import WorkOrderDispatched
from tests.channels.test_sms_out import SECRET, Gateway
from tests.workorders.notifyrig import URL, dispatched, prefs, relay, user

MAIL = "xinxiang@hotline.local"


def _statuses(db: Database) -> list[tuple[int, str, str]]:
    with db.session() as s:
        return [
            (d.user_id, d.channel, d.status)
            for d in s.scalars(select(NotifyDelivery).order_by(NotifyDelivery.id))
        ]


def test_a_dispatch_mails_the_handler_who_opted_in_and_nobody_else(db: Database) -> None:
    on = user(db, "h-on")
    off = user(db, "h-off")
    other = user(db, "h-d2", department_id=2)
    prefs(db, on, email="zhang.san@dept.example.gov.cn", mail=["dispatch"])
    prefs(db, off, email="li.si@dept.example.gov.cn", mail=[])  # an address, but mail off
    prefs(db, other, email="wang.wu@dept2.example.gov.cn", mail=["dispatch"])  # not D1
    order_id, number = dispatched(db, title="王某13912345678反映助餐")
    with relay() as (r, port):
        cfg = ChannelSettings(smtp_relay_port=port, mailbox_address=MAIL, console_url=URL)
        assert notify_out.run(db, settings=cfg) == 1
        assert notify_out.run(db, settings=cfg) == 0  # once only
    assert len(r.messages) == 1
    msg = email.message_from_bytes(r.messages[0], policy=email.policy.default)
    assert msg["To"] == "zhang.san@dept.example.gov.cn" and msg["From"] == MAIL
    assert number in msg["Subject"] and "新派单" in msg["Subject"]
    assert msg["Auto-Submitted"] == "auto-generated" and msg["Date"]
    body = msg.get_content()
    assert number in body and f"{URL}/workorders/{order_id}" in body
    assert "当前环节时限：20" in body and "北京时间" in body
    # The citizen's phone in the title is masked; their name, phone and the content never leave.
    assert "139****5678" in body and "13912345678" not in body
    assert "王某（" not in body and "独居老人吃饭难" not in body
    assert _statuses(db) == [(on, "mail", "sent")]


def test_sms_through_the_gateway_backs_off_then_goes_once(db: Database) -> None:
    h = user(db, "h-sms")
    prefs(db, h, mobile="+86 139-0000-1111", sms=["dispatch", "warning"])
    gw = Gateway()
    try:
        cfg = ChannelSettings(sms_secret=SECRET, sms_gateway_url=gw.url, console_url=URL)
        _, number = dispatched(db)
        gw.fail_next = 1
        now = utcnow()
        assert notify_out.run(db, now, cfg) == 0
        with db.session() as s:
            d = s.scalars(select(NotifyDelivery)).one()
            assert (d.status, d.attempts, d.recipient) == ("failed", 1, "13900001111")
            assert d.next_attempt_at is not None and d.next_attempt_at > now
        assert notify_out.run(db, now, cfg) == 0  # not due yet
        assert notify_out.run(db, now + timedelta(minutes=2), cfg) == 1
        assert notify_out.run(db, now + timedelta(minutes=3), cfg) == 0
    finally:
        gw.server.shutdown()
    assert len(gw.received) == 1
    sms = gw.received[0]
    assert sms["to"] == "13900001111" and sms["ref"].startswith("notify-")
    assert sms["text"].startswith("【民政服务热线】新派单：工单" + number)
    assert "时限" in sms["text"] and f"{URL}/workorders/" in sms["text"]
    assert "13912345678" not in sms["text"] and "139****5678" not in sms["text"]


def test_deadline_warning_supervision_and_escalation_reach_their_subscribers(db: Database) -> None:
    handler = user(db, "h-deadline")
    boss = user(db, "boss", role=Role.supervisor)
    prefs(db, handler, mobile="13900002222", sms=["warning", "supervision", "escalation"])
    prefs(db, boss, email="boss@center.example.gov.cn", mail=["escalation"])
    order_id, _ = dispatched(db)
    gw = Gateway()
    try:
        with relay() as (r, port):
            cfg = ChannelSettings(
                sms_secret=SECRET, sms_gateway_url=gw.url, smtp_relay_port=port, mailbox_address=MAIL
            )
            later = utcnow() + timedelta(days=40)
            with db.session() as s:
                assert sweep_deadlines(s, later) == {"warning": 1, "supervision": 1, "escalation": 1}
            assert notify_out.run(db, later, cfg) == 4
    finally:
        gw.server.shutdown()
    heads = {m["text"].split("：")[0].removeprefix("【民政服务热线】") for m in gw.received}
    assert heads == {"即将超期", "督办", "超期升级"} and len(gw.received) == 3
    assert len(r.messages) == 1 and b"boss@center.example.gov.cn" in r.messages[0]
    assert order_id


def test_a_restart_does_not_send_again_and_a_crash_mid_send_is_not_resent(db: Database) -> None:
    h = user(db, "h-restart")
    prefs(db, h, mobile="13900003333", sms=["dispatch"])
    gw = Gateway()
    try:
        cfg = ChannelSettings(sms_secret=SECRET, sms_gateway_url=gw.url)
        dispatched(db)
        assert notify_out.run(db, settings=cfg) == 1
        # A restart: a new process (a new Database on the same data) runs the job again.
        again = Database(db.url)
        try:
            assert notify_out.run(again, settings=cfg) == 0
        finally:
            again.dispose()
        assert len(gw.received) == 1

        # A crash after the gateway took the message but before the outcome was written down.
        dispatched(db)
        notify_out.queue_due(db)
        with db.session() as s:
            second = s.scalars(select(NotifyDelivery.id).where(NotifyDelivery.status == "queued")).one()
        now = utcnow()
        claimed = notify_out._claim(db, second, now, cfg, "Asia/Shanghai")
        assert claimed is not None
        with httpx.Client() as client:
            notify_out._deliver(claimed, cfg, client)  # ...and the process dies here
        assert len(gw.received) == 2
        again = Database(db.url)
        try:
            assert notify_out.run(again, now + timedelta(seconds=30), cfg) == 0  # still sending
            assert notify_out.run(again, now + timedelta(minutes=10), cfg) == 0
        finally:
            again.dispose()
        assert len(gw.received) == 2  # never twice
        with db.session() as s:
            row = s.get(NotifyDelivery, second)
            assert row is not None and row.status == "unknown" and "not resent" in (row.error or "")
            # An operator who checked with the recipient sends it again on purpose.
            notify_out.retry(s, SYSTEM_WHO.actor, second)
        assert notify_out.run(db, now + timedelta(minutes=11), cfg) == 1
        assert len(gw.received) == 3
    finally:
        gw.server.shutdown()


def test_failures_end_in_a_dead_letter(db: Database) -> None:
    h = user(db, "h-dead")
    prefs(db, h, email="dead@dept.example.gov.cn", mail=["dispatch"])
    dispatched(db)
    cfg = ChannelSettings(smtp_relay_port=1, reply_max_attempts=3, reply_retry_base_s=60)  # nothing listens
    now = utcnow()
    for minutes in (0, 2, 5):
        notify_out.run(db, now + timedelta(minutes=minutes), cfg)
    with db.session() as s:
        d = s.scalars(select(NotifyDelivery)).one()
        assert (d.status, d.attempts) == ("dead", 3) and "mail relay" in (d.error or "")
        mine = AuditEntry.entity == "workorder_notify_out"
        actions = s.scalars(select(AuditEntry.action).where(mine).order_by(AuditEntry.id)).all()
    assert actions == [
        "workorder_notify.queue",
        "workorder_notify.failed",
        "workorder_notify.failed",
        "workorder_notify.dead",
    ]


def test_no_backlog_for_a_new_subscriber_and_stale_rows_are_skipped(db: Database) -> None:
    h = user(db, "h-late")
    dispatched(db)  # before the handler opted in
    prefs(db, h, email="late@dept.example.gov.cn", mail=["dispatch", "supervision"])
    assert notify_out.queue_due(db) == 0
    order_id, _ = dispatched(db)
    second_id, _ = dispatched(db)
    assert notify_out.queue_due(db) == 2
    # Before the job sends: the first order is returned and re-dispatched to D2 (out of the D1
    # handler's scope), the second is cancelled (ended).
    with db.session() as s:
        act(s, SYSTEM_WHO, order_id, "return", None, note="不属于本单位职责")
        act(s, SYSTEM_WHO, order_id, "dispatch", None, department_id=2)
        act(s, SYSTEM_WHO, second_id, "cancel", None, note="重复来电")
    with relay() as (r, port):
        cfg = ChannelSettings(smtp_relay_port=port, mailbox_address=MAIL)
        assert notify_out.run(db, settings=cfg) == 0
    assert r.messages == []
    with db.session() as s:
        errors = sorted(str(d.error) for d in s.scalars(select(NotifyDelivery)))
    assert errors == ["the order has ended", "the order is outside the user's scope"]


def test_turning_a_kind_off_before_it_goes_skips_it(db: Database) -> None:
    h = user(db, "h-off-later")
    prefs(db, h, mobile="13900004444", sms=["dispatch"])
    dispatched(db)
    assert notify_out.queue_due(db) == 1
    prefs(db, h, mobile="13900004444", sms=[])
    assert notify_out.send_due(db, settings=ChannelSettings(sms_gateway_url="http://127.0.0.1:1/")) == 0
    assert _statuses(db) == [(h, "sms", "skipped")]


def test_quiet_hours_hold_messages_until_they_end(db: Database) -> None:
    h = user(db, "h-quiet")
    prefs(db, h, mobile="13900005555", sms=["dispatch"], quiet_start="22:00", quiet_end="07:30")
    night = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    dispatched(db, now=night)
    gw = Gateway()
    try:
        cfg = ChannelSettings(sms_secret=SECRET, sms_gateway_url=gw.url)
        assert notify_out.run(db, night, cfg) == 0
        with db.session() as s:
            d = s.scalars(select(NotifyDelivery)).one()
            assert (d.status, d.attempts) == ("queued", 0)
            assert d.next_attempt_at == datetime(2026, 12, 7, 23, 30, tzinfo=UTC)  # 07:30 next morning
        assert notify_out.run(db, night + timedelta(hours=8), cfg) == 0
        assert notify_out.run(db, night + timedelta(hours=8, minutes=31), cfg) == 1
    finally:
        gw.server.shutdown()
    assert len(gw.received) == 1


def test_the_delivery_states_are_a_table() -> None:
    """Every (state, step) pair: the table's move, or a 409 naming the state in Chinese."""
    for state in Status:
        for step in Step:
            if (state, step) in TRANSITIONS:
                assert TABLE.next(state, step) is TRANSITIONS[(state, step)]
            else:
                with pytest.raises(Conflict) as refused:
                    TABLE.next(state, step)
                assert refused.value.detail_zh is not None and STATUS_ZH[state] in refused.value.detail_zh
    # Nothing leaves `sent`, and nothing but an operator's retry leaves `unknown`.
    assert TABLE.allowed(Status.sent) == [] and TABLE.allowed(Status.unknown) == [Step.retry]


def test_two_workers_claiming_one_row_send_it_once(db: Database) -> None:
    h = user(db, "h-race")
    prefs(db, h, mobile="13900006666", sms=["dispatch"])
    dispatched(db)
    assert notify_out.queue_due(db) == 1
    assert notify_out.queue_due(db) == 0
    with db.session() as s:
        row = s.scalars(select(NotifyDelivery.id)).one()
    cfg = ChannelSettings(sms_gateway_url="http://127.0.0.1:1/")
    now = utcnow()
    first = notify_out._claim(db, row, now, cfg, "Asia/Shanghai")
    second = notify_out._claim(db, row, now, cfg, "Asia/Shanghai")
    assert first is not None and first.status == "sending" and second is None


def test_a_notification_committed_late_is_still_queued(db: Database) -> None:
    """The scan starts just below the newest notification already queued, not at it: one whose
    transaction committed after a newer one's (a lower id seen later) is not skipped."""
    h = user(db, "h-late-commit")
    prefs(db, h, mobile="13900007777", sms=["dispatch"])
    dispatched(db)
    dispatched(db)
    assert notify_out.queue_due(db) == 2
    with db.session() as s:
        older = s.scalars(select(NotifyDelivery).order_by(NotifyDelivery.notification_id)).first()
        assert older is not None
        s.delete(older)  # as if its notification had not been visible when the newer one was queued
    assert notify_out.queue_due(db) == 1
    assert notify_out.queue_due(db) == 0


def test_the_dispatch_event_sends_at_once_without_waiting_for_the_job(db: Database) -> None:
    """The channels plug-in's subscription: the dispatch's bus event (published after commit)
    runs the outbox, so the SMS is at the gateway before any job ran; a second event meanwhile
    makes one more run, not a parallel one."""
    h = user(db, "h-nudge")
    prefs(db, h, mobile="13900008888", sms=["dispatch"])
    gw = Gateway()
    nudge = notify_out.Nudge(db, ChannelSettings(sms_secret=SECRET, sms_gateway_url=gw.url))

    async def main() -> None:
        unsubscribe = get_bus().subscribe(WorkOrderDispatched, nudge)
        try:
            dispatched(db)
            dispatched(db)
            for _ in range(200):
                if len(gw.received) == 2:
                    break
                await asyncio.sleep(0.05)
        finally:
            unsubscribe()

    try:
        asyncio.run(main())
    finally:
        gw.server.shutdown()
    assert len(gw.received) == 2 and _statuses(db) == [(h, "sms", "sent"), (h, "sms", "sent")]
