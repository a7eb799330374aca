"""Tables of the analytics domain: the rollups (calls per local half hour × queue × agent; work
orders per local creation day × category × district × department × channel × state), the
high-water marks that say how far each rollup has read, the analysts' saved reports, and the
scheduled reports with their runs (one per schedule × period).

Rollup keys use 0 / "" for "none" (no agent, no category, no district) so they can be primary keys
on both databases. `day` is the Asia/Shanghai date; `slot` the half hour of that day (0..47).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, utcnow


class Watermark(Base):
    """How far one rollup has read its source (a queue-log id, a timeline id). Moved in the same
    transaction as the rollup rows it covers, so a crash leaves both before the batch."""

    __tablename__ = "analytics_watermarks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CallMeasures:
    """The queue-log measures every calls rollup keeps (`callroll.MEASURES`), after its keys."""

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


class CallSlot(CallMeasures, Base):
    """Queue-log measures per local half hour × queue × agent (0: lines without an agent).

    A line counts in the slot of its own time, as on the live wallboard (docs/kpi.md)."""

    __tablename__ = "analytics_call_slots"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    queue: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class CallHour(CallMeasures, Base):
    """The same measures per local hour × queue (no agent): what reports read unless they ask by
    agent or half hour; kept in the same transaction as the slots."""

    __tablename__ = "analytics_call_hours"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    hour: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    queue: Mapped[str] = mapped_column(String(64), primary_key=True)


class CallMonth(CallMeasures, Base):
    """The same measures per local month (`month`: its first day) × hour × queue: what reports
    read for the whole months of a period (a year is 12 × 24 × queues rows, not 365 × 24 × queues);
    kept in the same transaction as the slots and hours."""

    __tablename__ = "analytics_call_months"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    hour: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    queue: Mapped[str] = mapped_column(String(64), primary_key=True)


class CallAgentMonth(CallMeasures, Base):
    """The same measures per local month × queue × agent (0: lines without an agent): what the
    whole months of a report by agent read (a month is queues × agents rows, not the month's
    half hours × queues × agents); kept in the same transaction as the slots."""

    __tablename__ = "analytics_call_agent_months"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    queue: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class OrderMeasures:
    """The work-order measures every orders rollup keeps (`orderroll.MEASURES`), after its keys."""

    orders: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    closed_on_time: Mapped[int] = mapped_column(Integer, default=0)
    supervised: Mapped[int] = mapped_column(Integer, default=0)
    visited: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)
    received: Mapped[int] = mapped_column(Integer, default=0)
    received_on_time: Mapped[int] = mapped_column(Integer, default=0)
    replied: Mapped[int] = mapped_column(Integer, default=0)
    replied_on_time: Mapped[int] = mapped_column(Integer, default=0)
    extended: Mapped[int] = mapped_column(Integer, default=0)
    returned: Mapped[int] = mapped_column(Integer, default=0)


class OrderDay(OrderMeasures, Base):
    """Work orders by local creation day × category × district × department × channel × state
    (the order's state now): recomputed whole for a day whenever an order of that day changes."""

    __tablename__ = "analytics_order_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district: Mapped[str] = mapped_column(String(64), primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), primary_key=True)


class OrderMonth(OrderMeasures, Base):
    """Work orders per local creation month (`month`: its first day) × category × district ×
    department × channel × state: the sum of the month's `analytics_order_days` rows, moved by the
    difference whenever days are recomputed, in the same transaction (no row with 0 orders)."""

    __tablename__ = "analytics_order_months"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district: Mapped[str] = mapped_column(String(64), primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), primary_key=True)


class OrderMonthNarrow(OrderMeasures, Base):
    """Work orders per local creation month × category × district × department only (no channel
    or state): kept like `analytics_order_months`, read for the whole months of a report that
    neither groups nor filters by channel or state (a few hundred rows a month, not thousands)."""

    __tablename__ = "analytics_order_months_narrow"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district: Mapped[str] = mapped_column(String(64), primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class OrderMonthChannel(OrderMeasures, Base):
    """Work orders per local creation month × channel × state only: kept like
    `analytics_order_months`, read for the whole months of a report by channel or state (or by
    nothing) that filters on neither category, district nor department (a few dozen rows a month)."""

    __tablename__ = "analytics_order_months_channel"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), primary_key=True)


class SavedReport(Base):
    """An analyst's saved ad-hoc pivot (rollup, dimensions, measures, filters, period): the
    owner's own, or `shared` with every reader of reports (only the owner changes it)."""

    __tablename__ = "analytics_saved_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(100))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    shared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


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


class ReportSchedule(Base):
    """A scheduled report (定时报表): which report (`rollup` calls | orders, grouped `by`, with
    `filters`), how often (daily at 08:00, weekly on Monday, monthly on the 1st, Asia/Shanghai,
    each for the period just ended), to whom (`recipients`, mail addresses) and as what
    (`formats`: the Excel `xlsx` and/or the PDF with charts `pdf`)."""

    __tablename__ = "analytics_report_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    rollup: Mapped[str] = mapped_column(String(16))
    frequency: Mapped[str] = mapped_column(String(16))  # daily | weekly | monthly
    by: Mapped[str | None] = mapped_column(String(16))
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    formats: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["xlsx", "pdf"])
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ReportRun(Base):
    """One generation and mailing of a schedule's report for one period. The unique key (schedule,
    period, `seq`) makes the scheduled one (`seq` 0) exist once however many nodes or restarts try;
    an on-demand regeneration is the next `seq`. `status`: sending (claimed, committed before the
    mail goes out) → sent | failed (retried with back-off) | unknown (the sender stopped mid-send:
    never sent twice on its own; regenerate it on demand)."""

    __tablename__ = "analytics_report_runs"
    __table_args__ = (UniqueConstraint("schedule_id", "period_first", "seq", name="uq_analytics_report_run"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(Integer, index=True)
    period_kind: Mapped[str] = mapped_column(String(16))
    period_first: Mapped[date] = mapped_column(Date)
    period_last: Mapped[date] = mapped_column(Date)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    requested_by: Mapped[int | None] = mapped_column(Integer)
    message_id: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[datetime | None]
    next_try_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
