"""Tables of the analytics domain: the rollups (calls per local half hour × queue × agent; work
orders per local creation day × category × district × department × channel × state), the
high-water marks that say how far each rollup has read, and the analysts' saved reports.

Rollup keys use 0 / "" for "none" (no agent, no category, no district) so they can be primary keys
on both databases. `day` is the Asia/Shanghai date; `slot` the half hour of that day (0..47).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, Float, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, utcnow


class Watermark(Base):
    """How far one rollup has read its source (a queue-log id, a timeline id). Moved in the same
    transaction as the rollup rows it covers, so a crash leaves both before the batch."""

    __tablename__ = "analytics_watermarks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CallSlot(Base):
    """Queue-log measures per local half hour × queue × agent (0: lines without an agent).

    A line counts in the slot of its own time, as on the live wallboard (docs/kpi.md)."""

    __tablename__ = "analytics_call_slots"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    queue: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offered: Mapped[int] = mapped_column(Integer, default=0)
    entered: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    answered_15s: Mapped[int] = mapped_column(Integer, default=0)
    abandoned: Mapped[int] = mapped_column(Integer, default=0)
    short_abandoned: Mapped[int] = mapped_column(Integer, default=0)
    lost: Mapped[int] = mapped_column(Integer, default=0)
    lost_center: Mapped[int] = mapped_column(Integer, default=0)
    callbacks: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    wait_total: Mapped[float] = mapped_column(Float, default=0.0)
    talk_total: Mapped[float] = mapped_column(Float, default=0.0)


class CallHour(Base):
    """The same measures per local hour × queue (no agent): what reports read unless they ask by
    agent or half hour; kept in the same transaction as the slots."""

    __tablename__ = "analytics_call_hours"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    hour: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    queue: Mapped[str] = mapped_column(String(64), primary_key=True)
    offered: Mapped[int] = mapped_column(Integer, default=0)
    entered: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    answered_15s: Mapped[int] = mapped_column(Integer, default=0)
    abandoned: Mapped[int] = mapped_column(Integer, default=0)
    short_abandoned: Mapped[int] = mapped_column(Integer, default=0)
    lost: Mapped[int] = mapped_column(Integer, default=0)
    lost_center: Mapped[int] = mapped_column(Integer, default=0)
    callbacks: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    wait_total: Mapped[float] = mapped_column(Float, default=0.0)
    talk_total: Mapped[float] = mapped_column(Float, default=0.0)


class OrderDay(Base):
    """Work orders by local creation day × category × district × department × channel × state
    (the order's state now): recomputed whole for a day whenever an order of that day changes."""

    __tablename__ = "analytics_order_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district: Mapped[str] = mapped_column(String(64), primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), primary_key=True)
    orders: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    closed_on_time: Mapped[int] = mapped_column(Integer, default=0)
    supervised: Mapped[int] = mapped_column(Integer, default=0)
    visited: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)


class SavedReport(Base):
    """An analyst's saved ad-hoc pivot (rollup, dimensions, measures, filters)."""

    __tablename__ = "analytics_saved_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Hotspot(Base):
    """An emerging issue (热点): a spike of one category × district against its baseline
    (`kind` "spike"), or a cluster of similar order texts (`kind` "cluster") named by its top
    terms. Found by `hotspots.detect`; an analyst may rename, merge (into another: `merged`) or
    dismiss one. `trend` is {local date: orders}, `examples` the first order ids."""

    __tablename__ = "analytics_hotspots"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open|dismissed|merged
    name: Mapped[str] = mapped_column(String(100))
    terms: Mapped[list[str]] = mapped_column(JSON, default=list)
    category_id: Mapped[int | None] = mapped_column(Integer)
    district: Mapped[str | None] = mapped_column(String(64))
    first_day: Mapped[date] = mapped_column(Date, index=True)
    last_day: Mapped[date] = mapped_column(Date)
    orders: Mapped[int] = mapped_column(Integer, default=0)
    baseline: Mapped[float] = mapped_column(Float, default=0.0)
    p_value: Mapped[float] = mapped_column(Float, default=1.0)
    districts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    trend: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    examples: Mapped[list[int]] = mapped_column(JSON, default=list)
    merged_into_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
