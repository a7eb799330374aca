"""Mailbox acknowledgements the receiver could not send at once (GB/T 33358: within 24 h).

The receiver mails the acknowledgement right after making the order; this job sends the ones left
behind: an order made later by a retry of a failed message, or a relay that was down. A queued
acknowledgement is left alone for `GRACE` so the receiver's own send is not doubled; a failed one
is tried again on each run, for a day, then left `failed` (listed with its inbox row).

`send_answer` mails a department's answer (a person's, so without `Auto-Submitted`) threaded to
the citizen's own mail by `In-Reply-To` / `References`; `send_notice` mails a work-order
notification to a member of staff (automatic: `Auto-Submitted: auto-generated`).
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import or_, select

from hotline.channels.inbox import mark_ack_sent
from hotline.channels.mailbox import send_reply
from hotline.channels.models import Acknowledgement, InboundMessage
from hotline.channels.settings import ChannelSettings, get_channel_settings
from hotline.store.base import utcnow
from hotline.store.db import Database

log = logging.getLogger(__name__)
RETRY_FOR = timedelta(days=1)
GRACE = timedelta(minutes=2)


def send_queued_mail(
    db: Database, now: datetime | None = None, settings: ChannelSettings | None = None
) -> int:
    """Send waiting mailbox acknowledgements; returns how many went out."""
    settings = settings or get_channel_settings()
    now = now or utcnow()
    with db.session() as s:
        pending = list(
            s.execute(
                select(
                    Acknowledgement.id,
                    Acknowledgement.recipient,
                    Acknowledgement.text,
                    InboundMessage.external_id,
                )
                .join(InboundMessage, InboundMessage.id == Acknowledgement.inbound_id)
                .where(
                    Acknowledgement.channel == "mailbox",
                    Acknowledgement.created_at > now - RETRY_FOR,
                    or_(
                        Acknowledgement.status == "failed",
                        (Acknowledgement.status == "queued") & (Acknowledgement.created_at < now - GRACE),
                    ),
                )
                .order_by(Acknowledgement.id)
                .limit(200)
            )
        )
    sent = 0
    for ack_id, recipient, text, external_id in pending:
        try:
            send_reply(settings, recipient, "您的来信已受理", text, external_id)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("mailbox acknowledgement %s to %s failed again: %s", ack_id, recipient, exc)
            mark_ack_sent(db, ack_id, False)
            continue
        mark_ack_sent(db, ack_id, True)
        sent += 1
    return sent


def send_answer(settings: ChannelSettings, to: str, subject: str, text: str, in_reply_to: str | None) -> str:
    """Mail a department's answer through the relay; returns its Message-ID. Not marked
    `Auto-Submitted` (RFC 3834: a person answered), so the citizen's own auto-responder may answer
    it, which our receiver then holds; `X-Loop` still names us so no loop can start."""
    msg = EmailMessage()
    msg["From"] = settings.mailbox_address
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(usegmt=True)
    message_id = make_msgid(domain=settings.mailbox_address.split("@")[-1])
    msg["Message-ID"] = message_id
    msg["X-Loop"] = settings.mailbox_address
    if in_reply_to and not in_reply_to.startswith("sha256:"):  # sha256: we made it up, not theirs
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(text)
    with smtplib.SMTP(settings.smtp_relay_host, settings.smtp_relay_port, timeout=10) as smtp:
        # A person's answer: bounces come back to the mailbox (held there as automated mail).
        smtp.send_message(msg, from_addr=settings.mailbox_address)
    return message_id


def send_notice(
    settings: ChannelSettings,
    to: str,
    subject: str,
    text: str,
    message_id: str,
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> str:
    """Mail a notification to staff; `message_id` is fixed per outbox row, so a copy sent again by
    an operator's retry is recognisable as the same message. Marked automatic (RFC 3834) so no
    auto-responder answers it, and `X-Loop` names us so a bounce never becomes an order.
    `attachments` are (file name, MIME type, bytes): the scheduled reports' Excel and PDF."""
    msg = EmailMessage()
    msg["From"] = settings.mailbox_address
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Loop"] = settings.mailbox_address
    msg.set_content(text)
    for filename, mime, data in attachments:
        maintype, subtype = mime.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    with smtplib.SMTP(settings.smtp_relay_host, settings.smtp_relay_port, timeout=10) as smtp:
        smtp.send_message(msg, from_addr=settings.mailbox_address)
    return message_id
