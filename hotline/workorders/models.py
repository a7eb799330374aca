"""Tables for work orders: the order itself, its timeline, links to calls, categories, per-day
number sequences, deadline policies and calendar overrides, notifications (and each user's
mail/SMS preferences and delivery outbox for them), extension requests, return visits, saved
views, files a department attaches to its answer, the Chinese search token index and the trained
classifier."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, utcnow


class Category(Base):
    """One node of the category tree; `code` follows GB/T 39666-2020 style and is configurable."""

    __tablename__ = "workorder_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("workorder_categories.id"))
    default_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class WorkOrder(Base):
    __tablename__ = "workorders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    type: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="draft")
    urgency: Mapped[str] = mapped_column(String(16), default="normal")
    channel: Mapped[str] = mapped_column(String(16), default="phone")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("workorder_categories.id"))
    caller_id: Mapped[int | None] = mapped_column(ForeignKey("callers.id"))
    # Contact for citizens who are not registered callers (mail, SMS, WeChat, web form).
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    # Where the citizen wrote from when not by phone: mail address or WeChat OpenID.
    contact_address: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    district: Mapped[str | None] = mapped_column(String(64))
    location: Mapped[str | None] = mapped_column(String(255))
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    first_contact_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("workorders.id"))
    resolution: Mapped[str | None] = mapped_column(Text)
    reply: Mapped[str | None] = mapped_column(Text)
    return_reason: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[str | None] = mapped_column(String(32))  # basically_satisfied: 19
    duplicate_of_id: Mapped[int | None] = mapped_column(Integer)
    # Separate clocks; `due_at` is the one running in the current state (indexed for the sweep).
    receive_due_at: Mapped[datetime | None]
    reply_due_at: Mapped[datetime | None]
    close_due_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    warn_at: Mapped[datetime | None]
    escalate_at: Mapped[datetime | None]
    # 0 nothing sent, 1 warned, 2 supervised (overdue), 3 escalated: the sweep only moves it up.
    alert_level: Mapped[int] = mapped_column(Integer, default=0)
    supervised: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_workorders_state_id", "state", "id"),
        Index("ix_workorders_department_state_id", "department_id", "state", "id"),
        Index("ix_workorders_category_id", "category_id", "id"),
        Index("ix_workorders_caller_id", "caller_id", "id"),
        Index("ix_workorders_created_at", "created_at"),
        Index("ix_workorders_alert_due", "alert_level", "due_at"),
        Index("ix_workorders_alert_escalate", "alert_level", "escalate_at"),
        Index("ix_workorders_due_at", "due_at"),
    )


class WorkOrderEvent(Base):
    """The timeline: one row per transition or note, never updated."""

    __tablename__ = "workorder_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    workorder_id: Mapped[int] = mapped_column(ForeignKey("workorders.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)


class WorkOrderLink(Base):
    """Links to calls, recordings and attachments by string reference (other packages own them)."""

    __tablename__ = "workorder_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    workorder_id: Mapped[int] = mapped_column(ForeignKey("workorders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # call | recording | attachment | inbound
    ref: Mapped[str] = mapped_column(String(255))
    label: Mapped[str | None] = mapped_column(String(255))

    __table_args__ = (Index("ix_workorder_links_kind_ref", "kind", "ref"),)


class NumberSequence(Base):
    """Last number given out per day; bumped with an atomic upsert (safe under concurrency)."""

    __tablename__ = "workorder_sequences"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class DeadlinePolicy(Base):
    """Working-day limits per type and urgency (urgency '*' = any); admin-configurable."""

    __tablename__ = "workorder_deadline_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(16), default="*")
    receive_days: Mapped[int] = mapped_column(Integer)
    reply_days: Mapped[int] = mapped_column(Integer)
    close_days: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("uq_workorder_deadline_policies_type_urgency", "type", "urgency", unique=True),)


class CalendarOverride(Base):
    """A local exception to the official calendar: a day declared working or not."""

    __tablename__ = "workorder_calendar_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(100))


class Notification(Base):
    __tablename__ = "workorder_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    workorder_id: Mapped[int] = mapped_column(ForeignKey("workorders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # warning | supervision | escalation | dispatch ...
    department_id: Mapped[int | None] = mapped_column(Integer, index=True)
    due_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read: Mapped[bool] = mapped_column(Boolean, default=False)


class NotificationRead(Base):
    """That one user has read one notification (a department's feed is shared by its handlers and
    the center's by its supervisors, so `Notification.read` cannot say who has seen it)."""

    __tablename__ = "workorder_notification_reads"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("workorder_notifications.id", ondelete="CASCADE"), primary_key=True
    )
    read_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotifySettings(Base):
    """Where one user wants notifications by mail and SMS, and when not (quiet hours, local time
    "HH:MM", the window may cross midnight). The console bell needs no setting: it always shows."""

    __tablename__ = "workorder_notify_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    mobile: Mapped[str | None] = mapped_column(String(32))
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotifySubscription(Base):
    """One user wants one kind of notification (`Notification.kind`) by one channel (mail | sms).
    No row: off (the default). `created_at` keeps a new subscriber from getting the backlog."""

    __tablename__ = "workorder_notify_subscriptions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    event: Mapped[str] = mapped_column(String(16), primary_key=True)
    channel: Mapped[str] = mapped_column(String(8), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotifyDelivery(Base):
    """The outbox: one row per (notification, user, channel), so nothing is queued twice.

    States: `queued` → `sending` (claimed and committed before the far end is called) → `sent`;
    a failed try is `failed` with `next_attempt_at` backed off, `dead` after the last attempt;
    `unknown` when a process stopped while sending (never resent by the job: it may have gone
    out; an operator may retry it); `skipped` when it no longer applies (unsubscribed, the order
    left the user's scope or ended)."""

    __tablename__ = "workorder_notify_out"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("workorder_notifications.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(8))  # mail | sms
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(255))
    text: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    external_ref: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("notification_id", "user_id", "channel"),
        Index("ix_workorder_notify_out_status_next", "status", "next_attempt_at"),
    )


class ExtensionRequest(Base):
    __tablename__ = "workorder_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    workorder_id: Mapped[int] = mapped_column(ForeignKey("workorders.id", ondelete="CASCADE"), index=True)
    days: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # approved | refused
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(64))


class ReturnVisit(Base):
    """A return-visit task, created when a department replies."""

    __tablename__ = "workorder_return_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    workorder_id: Mapped[int] = mapped_column(ForeignKey("workorders.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # done
    method: Mapped[str | None] = mapped_column(String(16))  # phone | sms
    satisfaction: Mapped[str | None] = mapped_column(String(32))  # basically_satisfied: 19
    note: Mapped[str | None] = mapped_column(Text)
    call_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    done_by: Mapped[str | None] = mapped_column(String(64))


class SavedView(Base):
    __tablename__ = "workorder_saved_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    filters: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SearchToken(Base):
    """Inverted index for Chinese search: (token, order id), primary key serves both lookup and
    newest-first scans; `weight` (term frequency, title counted thrice) only ranks a page's
    candidates (see `hotline.workorders.search` and `ranking`)."""

    __tablename__ = "workorder_tokens"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    workorder_id: Mapped[int] = mapped_column(
        ForeignKey("workorders.id", ondelete="CASCADE"), primary_key=True
    )
    weight: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")

    __table_args__ = (Index("ix_workorder_tokens_workorder_id", "workorder_id"),)


class ClassifierModel(Base):
    """A trained category/department suggester (naive Bayes parameters as JSON)."""

    __tablename__ = "workorder_classifiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(String(16))  # category | department
    trained_at: Mapped[datetime] = mapped_column(default=utcnow)
    samples: Mapped[int] = mapped_column(Integer)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)


class WorkOrderFile(Base):
    """A file the department attached while handling the order (a photo of the repaired ramp, the
    approval letter), kept with its answer for everyone who reads the order
    (`hotline.workorders.files`)."""

    __tablename__ = "workorder_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    workorder_id: Mapped[int] = mapped_column(ForeignKey("workorders.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
