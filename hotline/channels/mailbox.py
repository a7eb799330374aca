"""The government mailbox (政府信箱) by email: an aiosmtpd SMTP receiver, replies by SMTP.

The receiver answers `250` only after the raw message is stored in the inbox; if the store is down
it answers `451` (temporary failure), so the sending mail server keeps the message and retries —
nothing is lost. After storing, the message becomes a draft work order and the citizen gets an
acknowledgement mail with the order number (GB/T 33358: mailbox within 24 h; we send at once).
Blocking work (database, smtplib) runs in threads so the SMTP loop keeps serving.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from typing import Any

from aiosmtpd.controller import Controller

from hotline.channels import inbox
from hotline.channels.settings import ChannelSettings
from hotline.store.db import Database

log = logging.getLogger(__name__)


def parse(raw: bytes, envelope_from: str) -> tuple[str, str, str, str]:
    """(external id, sender address, subject, plain-text body) of one mail."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    external_id = str(msg.get("Message-ID") or "").strip() or "sha256:" + hashlib.sha256(raw).hexdigest()
    sender = parseaddr(str(msg.get("From") or ""))[1] or envelope_from
    subject = str(msg.get("Subject") or "")
    body = ""
    part = msg.get_body(preferencelist=("plain", "html")) if isinstance(msg, EmailMessage) else None
    if part is not None:
        try:
            body = str(part.get_content())
        except (LookupError, ValueError):
            body = part.get_payload(decode=True).decode("utf-8", "replace")  # type: ignore[union-attr]
    return external_id, sender, subject, body


def send_reply(
    settings: ChannelSettings, to: str, subject: str, text: str, in_reply_to: str | None = None
) -> None:
    msg = EmailMessage()
    msg["From"] = settings.mailbox_address
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=settings.mailbox_address.split("@")[-1])
    if in_reply_to and not in_reply_to.startswith("sha256:"):
        msg["In-Reply-To"] = in_reply_to
    msg.set_content(text)
    with smtplib.SMTP(settings.smtp_relay_host, settings.smtp_relay_port, timeout=10) as smtp:
        smtp.send_message(msg)


class MailboxHandler:
    def __init__(self, db: Database, settings: ChannelSettings) -> None:
        self.db = db
        self.settings = settings

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.lower() != self.settings.mailbox_address.lower():
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw: bytes = envelope.original_content or envelope.content
        if len(raw) > self.settings.mailbox_max_bytes:
            return "552 5.3.4 message too big"
        try:
            external_id, sender, subject, body = parse(raw, envelope.mail_from or "")
        except Exception:
            log.exception("unparseable mail")
            return "554 5.6.0 cannot parse this message"
        try:
            stored = await asyncio.to_thread(
                inbox.store,
                self.db,
                "mailbox",
                external_id,
                sender,
                body,
                raw.decode("utf-8", "replace"),
                subject,
            )
        except Exception:
            log.exception("inbox store failed; asking the sender to retry")
            return "451 4.3.0 temporarily unable to accept mail, try again later"
        order = await asyncio.to_thread(inbox.process, self.db, stored.id)
        if order is not None and not stored.duplicate:
            await asyncio.to_thread(self._acknowledge, stored.id, external_id)
        return f"250 OK queued as {order.number if order else stored.id}"

    def _acknowledge(self, inbound_id: int, external_id: str) -> None:
        from sqlalchemy import select

        from hotline.channels.models import Acknowledgement

        with self.db.session() as s:
            acks = list(s.scalars(select(Acknowledgement).where(Acknowledgement.inbound_id == inbound_id)))
            pending = [(a.id, a.recipient, a.text) for a in acks if a.status == "queued"]
        for ack_id, recipient, text in pending:
            try:
                send_reply(self.settings, recipient, "您的来信已受理", text, external_id)
                inbox.mark_ack_sent(self.db, ack_id, True)
            except (OSError, smtplib.SMTPException):
                log.exception("mailbox acknowledgement to %s failed", recipient)
                inbox.mark_ack_sent(self.db, ack_id, False)


def start(db: Database, settings: ChannelSettings) -> Controller:
    """Start the SMTP receiver on its own thread; call `.stop()` on the result to end it."""
    controller = Controller(
        MailboxHandler(db, settings),
        hostname=settings.mailbox_host,
        port=settings.mailbox_port,
        data_size_limit=settings.mailbox_max_bytes,
    )
    controller.start()
    return controller
