"""Tables for intake channels: the raw inbox (written before anything else, so a message survives a
failure in processing) and the acknowledgements sent back to citizens.

Inbox states: `received` (stored, not yet processed) → `processed` (order made); a failed attempt
makes it `failed` with `next_attempt_at` backed off exponentially, and after the last allowed
attempt `dead` (dead letter: kept, listed, retried only by an operator). `held` is automated or
looping mail (see `flag`): stored raw, never made into an order or acknowledged on its own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, utcnow


class InboundMessage(Base):
    """One message as received. `(channel, external_id)` is unique, which is the de-duplication:
    a retried webhook or a repeated WeChat MsgId finds its row instead of making a second order."""

    __tablename__ = "channel_inbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # sms | wechat | mailbox | web
    external_id: Mapped[str] = mapped_column(String(255))
    sender: Mapped[str] = mapped_column(String(255))
    # What the message says about its writer (web form name and phone, mail display name).
    sender_name: Mapped[str | None] = mapped_column(String(100))
    sender_phone: Mapped[str | None] = mapped_column(String(32))
    subject: Mapped[str | None] = mapped_column(String(255))
    # The decoded text (capped: the full message is in `raw`), used for the order's content.
    body: Mapped[str] = mapped_column(Text)
    # Exactly the bytes received (mail source, webhook body): the one full copy.
    # Deferred: processing and listing never need to load megabytes of mail source.
    raw: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # received | processed | failed | dead | held
    status: Mapped[str] = mapped_column(String(16), default="received")
    # Why a message is held, e.g. "loop:own-address", "auto:auto-submitted", "auto:list".
    flag: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    workorder_id: Mapped[int | None] = mapped_column(ForeignKey("workorders.id"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]

    __table_args__ = (
        Index("uq_channel_inbox_channel_external_id", "channel", "external_id", unique=True),
        Index("ix_channel_inbox_status", "status"),
    )


class Acknowledgement(Base):
    """The receipt sent to the citizen (GB/T 33358: media within 3 min, mailbox within 24 h)."""

    __tablename__ = "channel_acks"

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_id: Mapped[int] = mapped_column(ForeignKey("channel_inbox.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    # queued | sent | failed | suppressed (over the per-recipient rate limit: never sent)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_channel_acks_channel_recipient_created_at", "channel", "recipient", "created_at"),
    )


class SeenNonce(Base):
    """A (timestamp, nonce) pair a signed request used, with the digest of the body it signed:
    kept for twice the replay window so a captured URL cannot sign another body (see wechat.py).
    In the database rather than in memory so every web process sees every nonce."""

    __tablename__ = "channel_nonces"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    nonce_key: Mapped[str] = mapped_column(String(128))
    digest: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("uq_channel_nonces_channel_nonce_key", "channel", "nonce_key", unique=True),
        Index("ix_channel_nonces_seen_at", "seen_at"),
    )


class OutboundReply(Base):
    """The department's answer (or the closing) of an order going back to the citizen over the
        channel they wrote in by: an outbox row, queued in the transaction that made it, sent by a job.

        `event_id` (the timeline event of the `reply` / `close`) is unique, so one answer is sent once.
        States: `queued` → `sent`; a failed try is `failed` with `next_attempt_at` backed off, `dead`
        after the last allowed attempt; `refused` when the channel cannot carry it any more (WeChat's
        48-hour customer-service window has passed) — never retried by the job, the handler answers by
    phone (an operator may retry it, e.g. after the citizen wrote again); `skipped` when there is
    nothing to send to (no address, released automated mail)."""

    __tablename__ = "channel_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    workorder_id: Mapped[int] = mapped_column(ForeignKey("workorders.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # reply | close
    channel: Mapped[str] = mapped_column(String(16))  # sms | wechat | mailbox
    recipient: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str | None] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    # The citizen's original Message-ID (mail threading), when there is one.
    in_reply_to: Mapped[str | None] = mapped_column(String(255))
    # queued | sent | failed | dead | refused | skipped (nothing to send: no address, automated mail)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    # What the far end calls it: our Message-ID, the gateway reference, WeChat's msgid.
    external_ref: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        Index("uq_channel_replies_event_id", "event_id", unique=True),
        Index("ix_channel_replies_status", "status"),
    )


class Attachment(Base):
    """A file that came with a citizen's mail, kept (within limits) for the order's readers.
    `refused` rows keep only the name, type, size and why (the bytes stay only in the raw mail)."""

    __tablename__ = "channel_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_id: Mapped[int] = mapped_column(ForeignKey("channel_inbox.id", ondelete="CASCADE"), index=True)
    workorder_id: Mapped[int | None] = mapped_column(ForeignKey("workorders.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # stored | refused
    note: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
