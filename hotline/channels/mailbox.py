"""The government mailbox (政府信箱) by email: an aiosmtpd SMTP receiver, replies by SMTP.

The receiver answers `250` only after the raw message is stored in the inbox; if the store is down
it answers `451` (temporary failure), so the sending mail server keeps the message and retries —
nothing is lost. Mail over the size limit is refused with `552` (the limit is advertised by the
SIZE extension, so well-behaved senders do not even send it), and while the data directory is
short of space new mail is refused with `452` before it is read. After storing, the message
becomes a draft work order and the citizen gets an acknowledgement mail with the order number
(GB/T 33358: mailbox within 24 h; we send at once) — unless the mail is automated or looping
(see `mailparse.automated`): that is stored `held` and never answered, and our own
acknowledgements carry `Auto-Submitted: auto-replied` and `X-Loop` so other robots do not answer
them either. Blocking work (database, smtplib) runs in threads so the SMTP loop keeps serving.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import select

from hotline.channels import inbox, mailparse
from hotline.channels.models import Acknowledgement
from hotline.channels.settings import ChannelSettings
from hotline.store.db import Database

log = logging.getLogger(__name__)


def send_reply(
    settings: ChannelSettings, to: str, subject: str, text: str, in_reply_to: str | None = None
) -> None:
    msg = EmailMessage()
    msg["From"] = settings.mailbox_address
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = make_msgid(domain=settings.mailbox_address.split("@")[-1])
    # RFC 3834: an automatic answer; auto-responders (and our own receiver) must not answer it.
    msg["Auto-Submitted"] = "auto-replied"
    msg["X-Loop"] = settings.mailbox_address
    if in_reply_to and not in_reply_to.startswith("sha256:"):
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(text)
    with smtplib.SMTP(settings.smtp_relay_host, settings.smtp_relay_port, timeout=10) as smtp:
        # Null envelope sender (RFC 3834 §3.3): a bounce of this answer goes nowhere, not to us.
        smtp.send_message(msg, from_addr="<>")


def free_bytes(path: Path) -> int:
    """Free space on the file system holding `path` (or its nearest existing parent)."""
    path = path.resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free


class MailboxHandler:
    def __init__(self, db: Database, settings: ChannelSettings, data_dir: Path | None = None) -> None:
        self.db = db
        self.settings = settings
        self.data_dir = data_dir
        self.own = {a.lower() for a in (settings.mailbox_address, *settings.mailbox_own_addresses)}

    def _disk_low(self) -> bool:
        if self.data_dir is None:
            return False
        return free_bytes(self.data_dir) < self.settings.mailbox_min_free_bytes

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        if self._disk_low():
            log.error("mailbox: free space under %s below the minimum; refusing mail", self.data_dir)
            return "452 4.3.1 insufficient system storage, try again later"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.lower() not in self.own:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw: bytes = envelope.original_content or envelope.content
        if len(raw) > self.settings.mailbox_max_bytes:
            return "552 5.3.4 message too big"
        if self._disk_low():
            return "452 4.3.1 insufficient system storage, try again later"
        try:
            mail = mailparse.parse(raw, envelope.mail_from or "", self.own)
        except Exception:
            log.exception("unparseable mail")
            return "554 5.6.0 cannot parse this message"
        if mail.flag:
            log.warning(
                "mailbox: %s from %s held (%s), not answered", mail.external_id, mail.sender, mail.flag
            )
        try:
            stored = await asyncio.to_thread(
                inbox.store,
                self.db,
                "mailbox",
                mail.external_id,
                mail.sender,
                mail.body,
                raw,
                mail.subject,
                sender_name=mail.sender_name,
                flag=mail.flag,
                settings=self.settings,
            )
        except Exception:
            log.exception("inbox store failed; asking the sender to retry")
            return "451 4.3.0 temporarily unable to accept mail, try again later"
        if mail.flag:
            return f"250 OK held as {stored.id}"
        order = await asyncio.to_thread(inbox.process, self.db, stored.id, self.settings)
        if order is not None and not stored.duplicate:
            await asyncio.to_thread(self._acknowledge, stored.id, mail.external_id)
        return f"250 OK queued as {order.number if order else stored.id}"

    def _acknowledge(self, inbound_id: int, external_id: str) -> None:
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


def start(db: Database, settings: ChannelSettings, data_dir: Path | None = None) -> Controller:
    """Start the SMTP receiver on its own thread; call `.stop()` on the result to end it.
    `data_dir`: where free space is watched (refuse mail with 452 when it runs low)."""
    controller = Controller(
        MailboxHandler(db, settings, data_dir),
        hostname=settings.mailbox_host,
        port=settings.mailbox_port,
        data_size_limit=settings.mailbox_max_bytes,
    )
    controller.start()
    return controller
