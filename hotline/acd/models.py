"""Tables for the ACD configuration: queues (skill groups), agents' skills, business hours.

Runtime state (who is ready, who waits) lives in memory in `hotline.acd.engine.Acd`; these rows
are what it is built from at startup and after every configuration change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, utcnow


class BusinessHours(Base):
    """Opening hours: weekly windows in local time, and whether the holiday calendar applies."""

    __tablename__ = "acd_business_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    # {"timezone": "Asia/Shanghai", "windows": {"0": [["08:30", "17:30"]], ...}, "holidays": true,
    #  "closed_dates": ["2026-12-31"], "open_dates": []}
    schedule: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class AcdQueue(Base):
    __tablename__ = "acd_queues"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    strategy: Mapped[str] = mapped_column(String(32), default="longest_idle")
    timeout_seconds: Mapped[float | None] = mapped_column(Float)
    overflow_kind: Mapped[str | None] = mapped_column(String(16))
    overflow_target: Mapped[str | None] = mapped_column(String(64))
    wrap_up_seconds: Mapped[float] = mapped_column(Float, default=10.0)
    ring_timeout_seconds: Mapped[float] = mapped_column(Float, default=15.0)
    max_no_answer: Mapped[int] = mapped_column(Integer, default=2)
    priority_boost_seconds: Mapped[float] = mapped_column(Float, default=300.0)
    service_level_seconds: Mapped[float] = mapped_column(Float, default=15.0)
    hours_id: Mapped[int | None] = mapped_column(ForeignKey("acd_business_hours.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class AgentSkill(Base):
    __tablename__ = "acd_agent_skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("acd_queues.id", ondelete="CASCADE"), index=True)
    level: Mapped[int] = mapped_column(Integer, default=5)

    __table_args__ = (UniqueConstraint("user_id", "queue_id", name="uq_acd_agent_skills_user_queue"),)
