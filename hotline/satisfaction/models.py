"""Tables of the satisfaction domain: each queue's in-call settings and the callers' answers.

A queue's settings (`satisfaction_queue_settings`, keyed by the ACD queue's name: the queue is the
ACD's, the settings are ours) say whether the caller hears the agent's number when the agent
connects and whether the caller is asked to rate the call when the agent hangs up first, on which
scale. One answer per call (`satisfaction_answers`, unique by the CDR's uuid), kept against the
call, its queue, its agent and any work order made from it; a 不满意 answer carries a flag for the
supervisor (`states.py`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, utcnow


class QueueSatisfaction(Base):
    __tablename__ = "satisfaction_queue_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    queue: Mapped[str] = mapped_column(String(64), unique=True)
    announce_agent_number: Mapped[bool] = mapped_column(Boolean, default=False)
    survey_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    scale: Mapped[int] = mapped_column(Integer, default=3)  # 3: 满意/基本满意/不满意; 5: 1-5 points
    # A recorded prompt to ask with instead of the scale's spoken default (prompts folder name).
    survey_prompt: Mapped[str | None] = mapped_column(String(64))
    wait_seconds: Mapped[int] = mapped_column(Integer, default=8)  # after the question, for a key
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class SatisfactionAnswer(Base):
    __tablename__ = "satisfaction_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_uuid: Mapped[str] = mapped_column(String(64), unique=True)  # the CDR's uuid
    queue: Mapped[str | None] = mapped_column(String(64))
    agent_id: Mapped[int | None] = mapped_column(Integer)
    caller_id: Mapped[int | None] = mapped_column(Integer)
    work_order_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16), default="ivr")  # ivr: keys after the call
    scale: Mapped[int] = mapped_column(Integer)
    key: Mapped[str | None] = mapped_column(String(4))  # what was pressed (None: 未评价)
    score: Mapped[int | None] = mapped_column(Integer)  # 1..scale, higher is better
    level: Mapped[str] = mapped_column(String(24))  # scales.Level
    reason: Mapped[str | None] = mapped_column(String(16))  # unrated: no_key | invalid | hung_up
    flag: Mapped[str | None] = mapped_column(String(16))  # states.Flag (不满意 only)
    flag_note: Mapped[str | None] = mapped_column(Text)
    flag_by: Mapped[str | None] = mapped_column(String(64))
    flag_at: Mapped[datetime | None]
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_satisfaction_answers_answered_at", "answered_at"),
        Index("ix_satisfaction_answers_queue_answered_at", "queue", "answered_at"),
        Index("ix_satisfaction_answers_agent_answered_at", "agent_id", "answered_at"),
        Index("ix_satisfaction_answers_flag", "flag"),
    )
