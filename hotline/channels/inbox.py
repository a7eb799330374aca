"""The inbox: persist first, process idempotently, acknowledge (within limits).

`store()` writes the raw message (the exact bytes received, the one full copy) in its own short
transaction before anything else happens; `(channel, external_id)` is unique, so a duplicate
delivery (a retried webhook, a repeated WeChat MsgId, a re-sent mail) finds the existing row and
creates nothing. `process()` then turns the row into a draft work order in a second transaction,
carrying the writer's name, phone, address or OpenID onto it and linking a known caller by phone.
A failed attempt leaves the row `failed` with `next_attempt_at` backed off exponentially;
`retry_pending()` (a background job) picks up only rows that are due, and after the last allowed
attempt the row is a `dead` letter an operator retries by hand. Automated or looping mail is
stored `held` with its `flag` and never processed or acknowledged on its own. Acknowledgements are
capped per recipient per hour (the rest are kept as `suppressed`), so no sender can make us mail
or text someone without end. Audit entries name the inbox row; they never copy its raw or body.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.audit.service import SYSTEM, Actor, record
from hotline.bus import publish_on_commit
from hotline.channels import attachments, mailparse
from hotline.channels.models import Acknowledgement, InboundMessage
from hotline.channels.settings import ChannelSettings, get_channel_settings
from hotline.channels.topics import ChannelAckQueued, ChannelMessageProcessed
from hotline.errors import NotFound
from hotline.people.service import caller_ids_by_phone
from hotline.store.base import utcnow
from hotline.store.db import Database
from hotline.workorders.models import WorkOrder
from hotline.workorders.service import SYSTEM_WHO, NewOrder, create, link

log = logging.getLogger(__name__)
CHANNELS = ("sms", "wechat", "mailbox", "web")
ACK_TEXT = "【民政服务热线】您的诉求已受理，工单编号 {number}，我们将按时限办理并回复。"
CUT_NOTE = "\n\n（正文过长，此处仅保留前 {n} 字；完整原文保存在收件箱。）"


@dataclass(frozen=True)
class Stored:
    id: int
    duplicate: bool


def _view(msg: InboundMessage) -> dict[str, Any]:
    """What the audit log keeps of an inbox row: its state and a reference, never raw or body."""
    return {
        "inbound_id": msg.id,
        "channel": msg.channel,
        "external_id": msg.external_id,
        "status": msg.status,
        "flag": msg.flag,
        "attempts": msg.attempts,
        "workorder_id": msg.workorder_id,
    }


def _cap(body: str, limit: int) -> str:
    return body if len(body) <= limit else body[:limit] + CUT_NOTE.format(n=limit)


def store(
    db: Database,
    channel: str,
    external_id: str,
    sender: str,
    body: str,
    raw: bytes | str,
    subject: str | None = None,
    *,
    sender_name: str | None = None,
    sender_phone: str | None = None,
    flag: str | None = None,
    settings: ChannelSettings | None = None,
) -> Stored:
    """Persist the raw message (its own transaction). Raises only if the store itself is down.
    A `flag` (automated or looping mail) stores the row `held`."""
    assert channel in CHANNELS
    cfg = settings or get_channel_settings()
    try:
        with db.session() as s:
            row = InboundMessage(
                channel=channel,
                external_id=external_id[:255],
                sender=sender[:255],
                sender_name=sender_name[:100] if sender_name else None,
                sender_phone=sender_phone[:32] if sender_phone else None,
                subject=subject[:255] if subject else None,
                body=_cap(body, cfg.body_max_chars),
                raw=raw.encode() if isinstance(raw, str) else raw,
                status="held" if flag else "received",
                flag=flag[:64] if flag else None,
                attempts=0,
                received_at=utcnow(),
            )
            s.add(row)
            s.flush()
            record(s, SYSTEM, "channel.receive", "channel_inbox", row.id, None, _view(row))
            return Stored(row.id, False)
    except IntegrityError:
        with db.session() as s:
            existing = s.scalar(
                select(InboundMessage.id).where(
                    InboundMessage.channel == channel, InboundMessage.external_id == external_id[:255]
                )
            )
        if existing is None:
            raise
        return Stored(int(existing), True)


def _title(msg: InboundMessage) -> str:
    text = (msg.subject or msg.body).strip()
    return text.splitlines()[0][:60] if text else "（无内容）"


def _known_caller(s: Session, phone: str | None) -> int | None:
    """The registered caller using this number, when exactly one does (a shared line is left open)."""
    ids = caller_ids_by_phone(s, phone) if phone else []
    return ids[0] if len(ids) == 1 else None


def _acks_last_hour(s: Session, channel: str, recipient: str, now: datetime) -> int:
    stmt = select(func.count()).where(
        Acknowledgement.channel == channel,
        Acknowledgement.recipient == recipient,
        Acknowledgement.created_at > now - timedelta(hours=1),
        Acknowledgement.status != "suppressed",
    )
    return int(s.scalar(stmt) or 0)


def _process(s: Session, inbound_id: int, cfg: ChannelSettings, now: datetime) -> WorkOrder | None:
    stmt = select(InboundMessage).where(InboundMessage.id == inbound_id)
    if s.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    msg = s.scalar(stmt)
    if msg is None:
        raise LookupError(inbound_id)
    if msg.workorder_id is not None:
        order = s.get(WorkOrder, msg.workorder_id)
        assert order is not None
        return order
    if msg.status == "held":  # only an operator's `revive` releases it
        return None
    phone = msg.sender_phone or (msg.sender if msg.channel == "sms" else None)
    by_address = msg.channel in ("mailbox", "wechat") or (msg.channel == "web" and "@" in msg.sender)
    # Mail attachments: kept within limits for the order's readers; the others named on the order.
    files = attachments.decide(mailparse.attachment_parts(msg.raw), cfg) if msg.channel == "mailbox" else []
    data = NewOrder(
        type="inquiry",
        title=_title(msg),
        content=(msg.body.strip() or "（无内容）") + attachments.note(files),
        channel=msg.channel,
        caller_id=_known_caller(s, phone),
        contact_name=msg.sender_name,
        contact_phone=phone,
        contact_address=msg.sender if by_address else None,
        accept=False,  # channel intake lands as a draft for an agent to accept and classify
    )
    order = create(s, SYSTEM_WHO, data)
    link(s, SYSTEM_WHO, order.id, "inbound", f"{msg.channel}:{msg.external_id}")
    attachments.save(s, msg.id, order.id, files)
    before = _view(msg)
    msg.workorder_id, msg.status, msg.processed_at, msg.error = order.id, "processed", now, None
    msg.attempts += 1
    msg.next_attempt_at = None
    if msg.flag is None:  # a released automated mail gets an order, never an answer
        over = _acks_last_hour(s, msg.channel, msg.sender, now) >= cfg.ack_per_recipient_per_hour
        s.add(
            Acknowledgement(
                inbound_id=msg.id,
                channel=msg.channel,
                recipient=msg.sender,
                text=ACK_TEXT.format(number=order.number),
                status="suppressed" if over else "queued",
                created_at=now,
            )
        )
    record(s, SYSTEM, "channel.process", "channel_inbox", msg.id, before, _view(msg))
    return order


def _mark_failed(db: Database, inbound_id: int, exc: Exception, cfg: ChannelSettings, now: datetime) -> None:
    """Count the attempt; back off exponentially; a dead letter after the last allowed attempt."""
    with db.session() as s:
        msg = s.get(InboundMessage, inbound_id)
        if msg is None or msg.workorder_id is not None:
            return
        before = _view(msg)
        msg.attempts += 1
        msg.error = str(exc)[:2000]
        if msg.attempts >= cfg.inbox_max_attempts:
            msg.status, msg.next_attempt_at = "dead", None
        else:
            delay = min(cfg.inbox_retry_base_s * 2 ** (msg.attempts - 1), cfg.inbox_retry_max_s)
            msg.status, msg.next_attempt_at = "failed", now + timedelta(seconds=delay)
        record(s, SYSTEM, f"channel.{msg.status}", "channel_inbox", msg.id, before, _view(msg))


def process(
    db: Database, inbound_id: int, settings: ChannelSettings | None = None, now: datetime | None = None
) -> WorkOrder | None:
    """Make (or find) the work order for one stored message; None if processing failed (kept)."""
    cfg = settings or get_channel_settings()
    now = now or utcnow()
    try:
        with db.session() as s:
            order = _process(s, inbound_id, cfg, now)
            if order is None:
                return None
            order_id = order.id
            # announced once the message's transaction commits, never if it rolls back
            queued = select(Acknowledgement).where(
                Acknowledgement.inbound_id == inbound_id, Acknowledgement.status == "queued"
            )
            for a in s.scalars(queued):
                ack = ChannelAckQueued(ack_id=a.id, channel=a.channel, recipient=a.recipient, text=a.text)
                publish_on_commit(s, ack)
            done = ChannelMessageProcessed(inbound_id=inbound_id, workorder_id=order_id, number=order.number)
            publish_on_commit(s, done)
    except Exception as exc:
        log.exception("processing inbound %s failed; kept for retry", inbound_id)
        try:
            _mark_failed(db, inbound_id, exc, cfg, now)
        except Exception:
            log.exception("could not mark inbound %s failed", inbound_id)
        return None
    with db.session() as s:
        result = s.get(WorkOrder, order_id)
    return result


def retry_pending(
    db: Database,
    now: datetime | None = None,
    limit: int = 100,
    force: bool = False,
    settings: ChannelSettings | None = None,
) -> int:
    """Process stored messages whose retry is due (`force`: every failed one, due or not);
    returns how many now are. Dead letters and held mail are left to an operator."""
    now = now or utcnow()
    stmt = select(InboundMessage.id).where(InboundMessage.status.in_(("received", "failed")))
    if not force:
        stmt = stmt.where(
            (InboundMessage.next_attempt_at.is_(None)) | (InboundMessage.next_attempt_at <= now)
        )
    with db.session() as s:
        ids = list(s.scalars(stmt.order_by(InboundMessage.id).limit(limit)))
    return sum(process(db, i, settings, now) is not None for i in ids)


def revive(db: Database, inbound_id: int, actor: Actor = SYSTEM) -> WorkOrder | None:
    """An operator retries a dead letter or releases held mail (made an order, not answered)."""
    with db.session() as s:
        msg = s.get(InboundMessage, inbound_id)
        if msg is None:
            raise LookupError(inbound_id)
        if msg.status in ("dead", "held", "failed"):
            before = _view(msg)
            msg.status, msg.next_attempt_at = "received", None
            record(s, actor, "channel.revive", "channel_inbox", msg.id, before, _view(msg))
    return process(db, inbound_id)


def intake(
    db: Database,
    channel: str,
    external_id: str,
    sender: str,
    body: str,
    raw: bytes | str,
    subject: str | None = None,
    *,
    sender_name: str | None = None,
    sender_phone: str | None = None,
    flag: str | None = None,
    settings: ChannelSettings | None = None,
) -> tuple[Stored, WorkOrder | None]:
    """store + process: the one call every channel makes (held messages are only stored)."""
    stored = store(
        db, channel, external_id, sender, body, raw, subject,
        sender_name=sender_name, sender_phone=sender_phone, flag=flag, settings=settings,
    )  # fmt: skip
    if flag:
        return stored, None
    return stored, process(db, stored.id, settings)


def mark_ack_sent(db: Database, ack_id: int, ok: bool) -> None:
    with db.session() as s:
        ack = s.get(Acknowledgement, ack_id)
        if ack is not None:
            ack.status, ack.sent_at = ("sent" if ok else "failed"), utcnow()


def raw_message(session: Session, inbound_id: int) -> tuple[str, bytes]:
    """A message exactly as received, with its channel."""
    row = session.execute(
        select(InboundMessage.channel, InboundMessage.raw).where(InboundMessage.id == inbound_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"inbox message {inbound_id} does not exist", "收件箱消息不存在")
    return row.channel, bytes(row.raw)
