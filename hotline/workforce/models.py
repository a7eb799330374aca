"""Workforce tables: shift templates, agents' planning profiles (skills, shifts they can work),
leave, rosters with their shifts and swap requests, the duty roster (值班表) and the shift
handover log (交接班记录). Users are referenced by id; nothing here writes another domain's table.
Times are UTC; `day` columns are local (Asia/Shanghai) calendar days.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, utcnow


class ShiftTemplate(Base):
    __tablename__ = "workforce_shift_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    start_minute: Mapped[int] = mapped_column(Integer)  # minutes after local midnight
    minutes: Mapped[int] = mapped_column(Integer)  # may run past midnight
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class AgentProfile(Base):
    """How an agent may be planned; an agent without a row is plannable on any shift."""

    __tablename__ = "workforce_agent_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    templates: Mapped[list[str] | None] = mapped_column(JSON)  # None: any template
    weekdays_off: Mapped[list[int]] = mapped_column(JSON, default=list)  # 0 = Monday: never available
    planned: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Leave(Base):
    """Leave (请假) for whole days, or for hours of one day (`start_minute`/`end_minute`, local).
    An agent asks (pending), a supervisor approves or rejects; only approved leave keeps the agent
    out of roster generation. A planner's own entry is approved at once."""

    __tablename__ = "workforce_leaves"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    start_minute: Mapped[int | None] = mapped_column(Integer)  # None: whole days
    end_minute: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16), default="annual")
    note: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    requested_by: Mapped[int | None] = mapped_column(Integer)
    decided_by: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Roster(Base):
    __tablename__ = "workforce_rosters"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    first_day: Mapped[date] = mapped_column(Date, index=True)
    days: Mapped[int] = mapped_column(Integer)
    skill: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="draft")  # draft|published
    required: Mapped[list[int]] = mapped_column(JSON, default=list)  # agents per half hour
    # A roster planned per skill: skill → agents per half hour (`required` is their sum).
    requirements: Mapped[dict[str, list[int]] | None] = mapped_column(JSON)
    met_share: Mapped[float] = mapped_column(Float, default=0.0)
    shortfall: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[half hour, missing], ...]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Shift(Base):
    __tablename__ = "workforce_shifts"
    __table_args__ = (Index("ix_workforce_shifts_user_starts", "user_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("workforce_rosters.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    template: Mapped[str] = mapped_column(String(16))
    skill: Mapped[str | None] = mapped_column(String(64))  # the requirement it covers (per-skill rosters)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class SwapRequest(Base):
    """An agent asks to hand a shift to a colleague; a supervisor approves or refuses."""

    __tablename__ = "workforce_swaps"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("workforce_shifts.id", ondelete="CASCADE"), index=True)
    from_user_id: Mapped[int] = mapped_column(Integer)
    to_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending|approved|refused
    decided_by: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Duty(Base):
    """One duty slot of the duty roster: who leads on a night, weekend or holiday day."""

    __tablename__ = "workforce_duty"
    __table_args__ = (UniqueConstraint("day", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # day|night|weekend|holiday
    leader_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    leader_name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(32))
    members: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Handover(Base):
    """A shift handover: what the outgoing shift leaves (snapshot + notes), acknowledged by the
    incoming shift before it can be marked handed over."""

    __tablename__ = "workforce_handovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_label: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(
        String(16), default="open", index=True
    )  # open|acknowledged|handed_over
    outgoing_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    acknowledged_at: Mapped[datetime | None]
    ack_note: Mapped[str] = mapped_column(String(500), default="")
    handed_over_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
