"""Tables for intake channels: the raw inbox (written before anything else, so a message survives a
failure in processing) and the acknowledgements sent back to citizens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
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
    subject: Mapped[str | None] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="received")  # processed | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
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
    status: Mapped[str] = mapped_column(String(16), default="queued")  # sent | failed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
