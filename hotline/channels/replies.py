"""Answers back to citizens over the channel they wrote in by (SMS, WeChat, mailbox).

Trigger (automatic, no button): a `reply` or `close` on an order that came in by SMS, WeChat or
the mailbox. The citizen chose that channel and gave that address by writing in, which is taken as
their agreement to be answered there; orders from the phone or the web form are answered by the
return-visit call as before. `queue_due` (a job) finds such timeline events without an outbox row
and queues one (`channel_replies`, unique per event, so nothing is sent twice and nothing is lost
if the job was down); `send_due` sends what is due, retrying with exponential back-off, `dead`
after the last attempt, `refused` when the channel cannot carry it (WeChat's 48-hour window).
Every outcome is written on the order's timeline and in the audit log.

Confidential orders: the text carries only the order number and the department's answer, and any
identity of the linked caller (name, ID number, address, other phone numbers) that the citizen did
not give themselves is masked out of it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.audit.service import SYSTEM, Actor, record
from hotline.channels import mail_out, sms_out, wechat_out
from hotline.channels.models import InboundMessage, OutboundReply
from hotline.channels.settings import ChannelSettings, get_channel_settings
from hotline.people.models import Caller
from hotline.store.base import utcnow
from hotline.store.db import Database
from hotline.workorders.models import WorkOrder, WorkOrderEvent
from hotline.workorders.service import timeline

log = logging.getLogger(__name__)
CHANNELS = ("sms", "wechat", "mailbox")
LOOK_BACK = timedelta(days=7)
LATE_MARGIN = 5000  # event ids
REPLY_TEXT = "【民政服务热线】您反映的事项（工单 {number}）已有答复：\n{answer}"
CLOSE_TEXT = "【民政服务热线】您反映的事项（工单 {number}）已办结，感谢您的支持。"
CHANNEL_ZH = {"sms": "短信", "wechat": "微信", "mailbox": "邮件"}
MASK = "***"


def _view(r: OutboundReply) -> dict[str, Any]:
    """What the audit log keeps of an outbox row (not the text: it is on the order already)."""
    return {
        "reply_id": r.id,
        "workorder_id": r.workorder_id,
        "event_id": r.event_id,
        "kind": r.kind,
        "channel": r.channel,
        "status": r.status,
        "attempts": r.attempts,
        "external_ref": r.external_ref,
        "error": r.error,
    }


def redact(session: Session, order: WorkOrder, text: str) -> str:
    """For a confidential order: mask the linked caller's identity the citizen did not give."""
    if not order.confidential or order.caller_id is None:
        return text
    caller = session.get(Caller, order.caller_id)
    if caller is None:
        return text
    gave = (order.contact_name, order.contact_phone, order.contact_address, order.content)
    given = " ".join(x for x in gave if x)
    for secret in (caller.name, caller.id_number, caller.address, *(p.number for p in caller.phones)):
        if secret and len(secret) >= 2 and secret not in given:
            text = text.replace(secret, MASK)
    return text


def _origin(session: Session, order: WorkOrder) -> InboundMessage | None:
    return session.scalar(
        select(InboundMessage)
        .where(InboundMessage.workorder_id == order.id, InboundMessage.channel == order.channel)
        .order_by(InboundMessage.id)
        .limit(1)
    )


def _compose(session: Session, order: WorkOrder, event: WorkOrderEvent) -> OutboundReply:
    recipient = order.contact_phone if order.channel == "sms" else order.contact_address
    origin = _origin(session, order)
    skip = None
    if not recipient:
        skip = "no address to answer to"
    elif origin is not None and origin.flag is not None:
        # Automated mail an operator released into an order is never answered (loops start so).
        skip = f"automated mail ({origin.flag}) is never answered"
    if event.action == "reply":
        text = REPLY_TEXT.format(number=order.number, answer=(event.note or order.reply or "").strip())
    else:
        text = CLOSE_TEXT.format(number=order.number)
    subject = None
    if order.channel == "mailbox":
        first = (origin.subject if origin and origin.subject else "").strip()
        # A confidential order's subject may name the writer: the answer's subject never repeats it.
        base = "您的来信" if order.confidential or not first else first
        subject = f"Re: {base}（工单 {order.number}）"[:255]
    return OutboundReply(
        workorder_id=order.id,
        event_id=event.id,
        kind=event.action,
        channel=order.channel,
        recipient=recipient or "",
        subject=subject,
        text=redact(session, order, text),
        in_reply_to=origin.external_id if origin is not None and order.channel == "mailbox" else None,
        # Kept as `skipped` (with why) so the event is settled and never looked at again.
        status="skipped" if skip else "queued",
        error=skip,
        attempts=0,
        created_at=utcnow(),
    )


def queue_due(db: Database, now: datetime | None = None) -> int:
    """Queue an answer for each recent `reply` / `close` of a channel order not queued yet."""
    now = now or utcnow()
    with db.session() as s:
        done = select(OutboundReply.id).where(OutboundReply.event_id == WorkOrderEvent.id).exists()
        # Scan from just before the last event answered (a primary-key range, not the whole
        # table every run); the margin catches events of transactions that committed late.
        last = s.scalar(select(func.max(OutboundReply.event_id))) or 0
        rows = list(
            s.execute(
                select(WorkOrderEvent, WorkOrder)
                .join(WorkOrder, WorkOrder.id == WorkOrderEvent.workorder_id)
                .where(
                    WorkOrderEvent.id > last - LATE_MARGIN,
                    WorkOrderEvent.action.in_(("reply", "close")),
                    WorkOrderEvent.at > now - LOOK_BACK,
                    WorkOrder.channel.in_(CHANNELS),
                    ~done,
                )
                .order_by(WorkOrderEvent.id)
                .limit(200)
            )
        )
        queued = 0
        for event, order in rows:
            row = _compose(s, order, event)
            s.add(row)
            s.flush()
            record(s, SYSTEM, "channel.reply_queue", "channel_reply", row.id, None, _view(row))
            queued += row.status == "queued"
    return queued


def _deliver(s: Session, r: OutboundReply, cfg: ChannelSettings, client: httpx.Client, now: datetime) -> str:
    """Send one answer; returns the far end's reference. Raises Refused or Failed."""
    if r.channel == "sms":
        if not cfg.sms_gateway_url:
            raise wechat_out.Failed("no SMS gateway configured")
        why = sms_out.post(cfg, client, f"reply-{r.id}", r.recipient, r.text)
        if why is not None:
            raise wechat_out.Failed(why)
        return f"reply-{r.id}"
    if r.channel == "wechat":
        wechat_out.check_window(cfg, wechat_out.last_message_at(s, r.recipient), now)
        return wechat_out.send_text(cfg, client, r.recipient, r.text)
    try:
        return mail_out.send_answer(cfg, r.recipient, r.subject or "Re:", r.text, r.in_reply_to)
    except (OSError, mail_out.smtplib.SMTPException) as exc:
        raise wechat_out.Failed(f"mail relay: {exc}") from exc


def _log(s: Session, r: OutboundReply, before: dict[str, Any], why_zh: str = "") -> None:
    order = s.get(WorkOrder, r.workorder_id)
    how = CHANNEL_ZH.get(r.channel, r.channel)
    what = "答复" if r.kind == "reply" else "办结通知"
    note = {
        "sent": f"已通过{how}向市民发送{what}",
        "refused": f"{how}{what}无法发送：{why_zh or r.error}",
        "dead": f"{how}{what}多次发送失败，已停止重试：{r.error}",
    }.get(r.status)
    if order is not None and note is not None:
        timeline(s, order, SYSTEM, f"channel_reply_{r.status}", order.state, note)
    record(s, SYSTEM, f"channel.reply_{r.status}", "channel_reply", r.id, before, _view(r))


def send_one(db: Database, reply_id: int, cfg: ChannelSettings, client: httpx.Client, now: datetime) -> bool:
    with db.session() as s:
        r = s.get(OutboundReply, reply_id)
        if r is None or r.status not in ("queued", "failed"):
            return False
        before = _view(r)
        r.attempts += 1
        why_zh = ""
        try:
            r.external_ref = _deliver(s, r, cfg, client, now)[:255]
            r.status, r.sent_at, r.error, r.next_attempt_at = "sent", now, None, None
        except wechat_out.Refused as exc:
            r.status, r.error, r.next_attempt_at = "refused", str(exc)[:2000], None
            why_zh = exc.zh
        except wechat_out.Failed as exc:
            r.error = str(exc)[:2000]
            if r.attempts >= cfg.reply_max_attempts:
                r.status, r.next_attempt_at = "dead", None
            else:
                delay = min(cfg.reply_retry_base_s * 2 ** (r.attempts - 1), cfg.reply_retry_max_s)
                r.status, r.next_attempt_at = "failed", now + timedelta(seconds=delay)
        _log(s, r, before, why_zh)
        return r.status == "sent"


def send_due(db: Database, now: datetime | None = None, settings: ChannelSettings | None = None) -> int:
    """Send queued answers and failed ones whose retry is due; returns how many went out."""
    cfg = settings or get_channel_settings()
    now = now or utcnow()
    with db.session() as s:
        ids = list(
            s.scalars(
                select(OutboundReply.id)
                .where(
                    OutboundReply.status.in_(("queued", "failed")),
                    (OutboundReply.next_attempt_at.is_(None)) | (OutboundReply.next_attempt_at <= now),
                )
                .order_by(OutboundReply.id)
                .limit(100)
            )
        )
    with httpx.Client(timeout=10) as client:
        return sum(send_one(db, i, cfg, client, now) for i in ids)


def run(db: Database, now: datetime | None = None, settings: ChannelSettings | None = None) -> int:
    """The job: queue new answers, then send what is due."""
    queue_due(db, now)
    return send_due(db, now, settings)


def retry(db: Database, reply_id: int, actor: Actor = SYSTEM) -> OutboundReply:
    """An operator sends a dead, refused or failed answer again (on the next run, from attempt 1)."""
    with db.session() as s:
        r = s.get(OutboundReply, reply_id)
        if r is None:
            raise LookupError(reply_id)
        if r.status in ("dead", "refused", "failed"):
            before = _view(r)
            r.status, r.attempts, r.next_attempt_at = "queued", 0, None
            record(s, actor, "channel.reply_retry", "channel_reply", r.id, before, _view(r))
        s.flush()
        s.expunge(r)
    return r
