"""Emergency modes a supervisor switched on (with their period) and the callback worklist they fill."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, utcnow


class ContingencyMode(Base):
    """One emergency mode switched on for a period: on while `starts_at <= now < ends_at` and not
    ended early (`ended_at`). Kinds: `announcement` (插播 before the menu: `text` spoken by TTS or
    the uploaded `prompt`), `overflow` (to `backup_number` through the trunk after
    `overflow_after_seconds` in the queue, at once when nobody is logged in), `callback_only` (the
    caller leaves a number; the callback worklist fills), `remote_duty` (agents' mobiles rung through
    the trunk beside their phones)."""

    __tablename__ = "contingency_modes"
    __table_args__ = (Index("ix_contingency_modes_active", "ended_at", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(64))  # the fault type (docs/operations.md)
    note: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str | None] = mapped_column(Text)
    prompt: Mapped[str | None] = mapped_column(String(64))
    backup_number: Mapped[str | None] = mapped_column(String(32))
    overflow_after_seconds: Mapped[int] = mapped_column(Integer, default=0)
    when_no_agent: Mapped[bool] = mapped_column(Boolean, default=True)
    starts_at: Mapped[datetime] = mapped_column(default=utcnow)
    ends_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ContingencyCallback(Base):
    """A number a caller left while callback collection was on: the worklist agents call back."""

    __tablename__ = "contingency_callbacks"
    __table_args__ = (Index("ix_contingency_callbacks_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mode_id: Mapped[int | None] = mapped_column(ForeignKey("contingency_modes.id", ondelete="SET NULL"))
    call_uuid: Mapped[str] = mapped_column(String(64), unique=True)
    caller_number: Mapped[str] = mapped_column(String(32))
    callback_number: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | done | unreachable
    note: Mapped[str] = mapped_column(Text, default="")
    collected_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    handled_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ContingencyAlert(Base):
    """One fault told to the people on duty. At most one open alert per `key` (a trunk, "disk"):
    the same fault seen again only counts `repeats`; `sent_at`/`escalated_at`/`recovery_sent_at`
    say what went out (SMS, mail), so a restart never sends twice."""

    __tablename__ = "contingency_alerts"
    __table_args__ = (Index("ix_contingency_alerts_key_status", "key", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | acknowledged | resolved
    repeats: Mapped[int] = mapped_column(Integer, default=0)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    recovery_sent_at: Mapped[datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    acknowledged_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
