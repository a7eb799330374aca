"""The inbox: persist first, process idempotently, acknowledge.

`store()` writes the raw message in its own short transaction before anything else happens;
`(channel, external_id)` is unique, so a duplicate delivery (a retried webhook, a repeated WeChat
MsgId, a re-sent mail) finds the existing row and creates nothing. `process()` then turns the row
into a draft work order in a second transaction; if that fails the row stays `failed` with its
error and `retry_pending()` (a background job, or POST /api/channels/inbox/retry) picks it up
later. Processing a row twice is harmless: it locks the row and returns the order it already made.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.audit.service import SYSTEM, record, snapshot
from hotline.bus import get_bus
from hotline.channels.models import Acknowledgement, InboundMessage
from hotline.store.base import utcnow
from hotline.store.db import Database
from hotline.workorders.models import WorkOrder
from hotline.workorders.service import SYSTEM_WHO, NewOrder, create, link

log = logging.getLogger(__name__)
CHANNELS = ("sms", "wechat", "mailbox", "web")
ACK_TEXT = "【民政服务热线】您的诉求已受理，工单编号 {number}，我们将按时限办理并回复。"


@dataclass(frozen=True)
class Stored:
    id: int
    duplicate: bool


def store(
    db: Database, channel: str, external_id: str, sender: str, body: str, raw: str, subject: str | None = None
) -> Stored:
    """Persist the raw message (its own transaction). Raises only if the store itself is down."""
    assert channel in CHANNELS
    try:
        with db.session() as s:
            row = InboundMessage(
                channel=channel,
                external_id=external_id[:255],
                sender=sender[:255],
                subject=subject[:255] if subject else None,
                body=body,
                raw=raw,
                received_at=utcnow(),
            )
            s.add(row)
            s.flush()
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
    text = (
        (msg.subject or msg.body).strip().splitlines()[0]
        if (msg.subject or msg.body).strip()
        else "（无内容）"
    )
    return text[:60]


def _process(s: Session, inbound_id: int) -> WorkOrder:
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
    is_phone = msg.channel in ("sms",)
    data = NewOrder(
        type="inquiry",
        title=_title(msg),
        content=msg.body.strip() or "（无内容）",
        channel=msg.channel,
        contact_name=None,
        contact_phone=msg.sender if is_phone else None,
        accept=False,  # channel intake lands as a draft for an agent to accept and classify
    )
    order = create(s, SYSTEM_WHO, data)
    link(s, SYSTEM_WHO, order.id, "inbound", f"{msg.channel}:{msg.external_id}")
    before = snapshot(msg)
    msg.workorder_id, msg.status, msg.processed_at, msg.error = order.id, "processed", utcnow(), None
    msg.attempts += 1
    ack = Acknowledgement(
        inbound_id=msg.id,
        channel=msg.channel,
        recipient=msg.sender,
        text=ACK_TEXT.format(number=order.number),
    )
    s.add(ack)
    record(s, SYSTEM, "channel.process", "channel_inbox", msg.id, before, snapshot(msg))
    return order


def process(db: Database, inbound_id: int) -> WorkOrder | None:
    """Make (or find) the work order for one stored message; None if processing failed (kept)."""
    try:
        with db.session() as s:
            order = _process(s, inbound_id)
            number, order_id = order.number, order.id
            acks = [
                (a.id, a.channel, a.recipient, a.text)
                for a in s.scalars(select(Acknowledgement).where(Acknowledgement.inbound_id == inbound_id))
            ]
    except Exception as exc:
        log.exception("processing inbound %s failed; kept for retry", inbound_id)
        try:
            with db.session() as s:
                msg = s.get(InboundMessage, inbound_id)
                if msg is not None and msg.workorder_id is None:
                    msg.status, msg.error, msg.attempts = "failed", str(exc)[:2000], msg.attempts + 1
        except Exception:
            log.exception("could not mark inbound %s failed", inbound_id)
        return None
    for ack_id, channel, recipient, text in acks:
        get_bus().publish(
            "channel.ack", {"ack_id": ack_id, "channel": channel, "recipient": recipient, "text": text}
        )
    get_bus().publish(
        "channel.intake", {"inbound_id": inbound_id, "workorder_id": order_id, "number": number}
    )
    with db.session() as s:
        result = s.get(WorkOrder, order_id)
    return result


def retry_pending(db: Database, limit: int = 100) -> int:
    """Process messages that were stored but not (successfully) processed; returns how many now are."""
    with db.session() as s:
        ids = list(
            s.scalars(
                select(InboundMessage.id)
                .where(InboundMessage.status.in_(("received", "failed")))
                .order_by(InboundMessage.id)
                .limit(limit)
            )
        )
    return sum(process(db, i) is not None for i in ids)


def intake(
    db: Database, channel: str, external_id: str, sender: str, body: str, raw: str, subject: str | None = None
) -> tuple[Stored, WorkOrder | None]:
    """store + process: the one call every channel makes."""
    stored = store(db, channel, external_id, sender, body, raw, subject)
    return stored, process(db, stored.id)


def mark_ack_sent(db: Database, ack_id: int, ok: bool) -> None:
    with db.session() as s:
        ack = s.get(Acknowledgement, ack_id)
        if ack is not None:
            ack.status, ack.sent_at = ("sent" if ok else "failed"), utcnow()
