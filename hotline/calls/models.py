"""Tables for calls: the CDR (one row per call), its legs, the queue event log, agent state log,
the recordings index, the time marks on recordings and the callbacks still to be made.

Rows are written as events happen, so a crash leaves calls with `state = "active"`; at startup
`hotline.calls.cdr.recover` marks them ended by failure.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, utcnow


class Call(Base):
    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(64), unique=True)
    direction: Mapped[str] = mapped_column(String(16), default="inbound")
    state: Mapped[str] = mapped_column(String(16), default="active", index=True)  # active|ended|failed
    caller_number: Mapped[str | None] = mapped_column(String(64), index=True)
    callee_number: Mapped[str | None] = mapped_column(String(64))
    caller_id: Mapped[int | None] = mapped_column(ForeignKey("callers.id", ondelete="SET NULL"), index=True)
    queue: Mapped[str | None] = mapped_column(String(64), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    ivr_flow: Mapped[str | None] = mapped_column(String(64))
    ivr_path: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outcome: Mapped[str | None] = mapped_column(String(32))  # answered|abandoned|voicemail|...
    end_cause: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    queued_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    wait_seconds: Mapped[float | None] = mapped_column(Float)
    talk_seconds: Mapped[float | None] = mapped_column(Float)
    # 通话小结: what a call that needed no work order was (calls.schemas.DISPOSITIONS)
    disposition: Mapped[str | None] = mapped_column(String(32))
    disposition_note: Mapped[str | None] = mapped_column(String(500))


class CallLeg(Base):
    __tablename__ = "call_legs"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    leg_uuid: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))  # caller|agent|external|supervisor|callback
    number: Mapped[str | None] = mapped_column(String(64))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    end_cause: Mapped[str | None] = mapped_column(String(64))


class QueueEventRow(Base):
    """The queue log: enter, ring_no_answer, connect, abandon, timeout, overflow, transfer,
    complete, callback, callback_failed."""

    __tablename__ = "queue_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_uuid: Mapped[str] = mapped_column(String(64), index=True)
    queue: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    agent_id: Mapped[int | None] = mapped_column(Integer)
    wait_seconds: Mapped[float | None] = mapped_column(Float)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_queue_events_queue_at", "queue", "at"),)


class AgentStateRow(Base):
    __tablename__ = "agent_state_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(Integer, index=True)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Recording(Base):
    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_uuid: Mapped[str] = mapped_column(String(64), index=True)
    path: Mapped[str] = mapped_column(String(500))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    caller_number: Mapped[str | None] = mapped_column(String(64), index=True)
    queue: Mapped[str | None] = mapped_column(String(64), index=True)
    work_order_id: Mapped[int | None] = mapped_column(Integer, index=True)
    tags: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"tags": [...], "topic": "..."}
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ended_at: Mapped[datetime | None]
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None]


class RecordingMark(Base):
    """A point in a call's recording to jump to: hold, transfer, a supervisor joining, a work order
    opened, or a mark an agent set. Keyed by the call (the recording row exists only once the call
    has ended); `offset_seconds` counts from the start of the recording."""

    __tablename__ = "recording_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_uuid: Mapped[str] = mapped_column(String(64), index=True)
    offset_seconds: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(32))
    label: Mapped[str | None] = mapped_column(String(200))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PendingCallback(Base):
    """A callback the hotline still owes a caller who hung up keeping their place: kept across a
    restart (the ACD holds it in memory), removed once answered or given up. `enqueued_at` is when
    the caller entered the queue, which (with the priority) is their place in line."""

    __tablename__ = "pending_callbacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_uuid: Mapped[str] = mapped_column(String(64), unique=True)
    queue: Mapped[str] = mapped_column(String(64))
    caller_number: Mapped[str] = mapped_column(String(64))
    callback_number: Mapped[str] = mapped_column(String(64))
    caller_id: Mapped[int | None] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    enqueued_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class JournalMark(Base):
    """How far a call-record writer's writes are in the database: its highest sequence number
    committed, updated in the same transaction as the writes. Replaying the journal skips what is
    at or below it, so a write is never applied twice (a commit whose answer was lost, a restart
    mid-replay)."""

    __tablename__ = "call_journal_marks"

    writer_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    applied_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
