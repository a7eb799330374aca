"""Tables of quality inspection (质检): the automatic audio checks of each recording, scoring
forms (versioned: a published version is never changed), sampling plans, the inspectors' work
queue (tasks), scores with their appeal, and flags other domains put on calls.

One `quality_audio_checks` row per recording (unique), written by the checks job: `status` ok,
`corrupt` (the file is not a readable WAV; `error` says why) or `missing` (no file), the figures
(`metrics`: talk ratio, talk-over, silences, time to greeting, hold, loudness), the speech segments
per channel for the waveform strip, and the `flags` sampling rules can ask for.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, utcnow


class AudioCheck(Base):
    __tablename__ = "quality_audio_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[int] = mapped_column(Integer, unique=True)
    call_uuid: Mapped[str] = mapped_column(String(64), index=True)
    agent_id: Mapped[int | None] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(16))  # ok | corrupt | missing
    error: Mapped[str | None] = mapped_column(String(500))
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    segments: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {caller: [[s, e]], agent, peaks}
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Form(Base):
    """One version of a scoring form: `sections` is [{title, items: [{key, label, points, mode
    ("weight" | "deduction"), critical}]}]; `max_points` the sum of the items' points."""

    __tablename__ = "quality_forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | published | retired
    sections: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    max_points: Mapped[float] = mapped_column(Float, default=0.0)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("code", "version"),)


class Plan(Base):
    """A sampling plan: `rules` (`sampling.Rules`) pick calls into the inspectors' queue."""

    __tablename__ = "quality_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    form_code: Mapped[str | None] = mapped_column(String(64))
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Task(Base):
    """A call picked for inspection (one per plan and call), with why it was picked."""

    __tablename__ = "quality_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("quality_plans.id", ondelete="CASCADE"))
    call_uuid: Mapped[str] = mapped_column(String(64), index=True)
    recording_id: Mapped[int | None] = mapped_column(Integer)
    agent_id: Mapped[int | None] = mapped_column(Integer, index=True)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    week: Mapped[str] = mapped_column(String(10))  # ISO week of the call, "2026-W49"
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | scored
    inspector_id: Mapped[int | None] = mapped_column(Integer)
    call_started_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("plan_id", "call_uuid"),)


class Score(Base):
    """An inspector's score of one call against one form version (`form_id`), its timed comments,
    and the agent's acknowledgement or appeal with the supervisor's decision (`states.py`)."""

    __tablename__ = "quality_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_uuid: Mapped[str] = mapped_column(String(64), index=True)
    recording_id: Mapped[int | None] = mapped_column(Integer)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("quality_tasks.id", ondelete="SET NULL"))
    agent_id: Mapped[int | None] = mapped_column(Integer, index=True)
    inspector_id: Mapped[int] = mapped_column(Integer)
    form_id: Mapped[int] = mapped_column(ForeignKey("quality_forms.id"))
    state: Mapped[str] = mapped_column(String(16), default="draft")
    calibration: Mapped[bool] = mapped_column(Boolean, default=False)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    comments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{at, text, item}]
    total: Mapped[float | None] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float, default=0.0)
    critical_failed: Mapped[bool] = mapped_column(Boolean, default=False)
    original_total: Mapped[float | None] = mapped_column(Float)  # before a supervisor changed it
    appeal_reason: Mapped[str | None] = mapped_column(String(1000))
    decision_note: Mapped[str | None] = mapped_column(String(1000))
    decided_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(index=True)
    acknowledged_at: Mapped[datetime | None]
    appealed_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)


class CallFlag(Base):
    """A flag on a call that sampling rules can ask for ("unsatisfied", "complaint", ...), put by
    another domain or by hand (`flags.flag_call`)."""

    __tablename__ = "quality_call_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_uuid: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(32))
    source: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("call_uuid", "reason"),
        Index("ix_quality_call_flags_created", "created_at"),
    )
