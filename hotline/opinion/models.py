"""Tables of opinion monitoring.

`opinion_sources` what is watched and how its last fetch went; `opinion_raw` every fetched body as
received (written and committed before any parsing, so a crash loses nothing: unparsed rows are
picked up by the next run); `opinion_items` one article or feed entry (unique per source and
guid), with its near-duplicate group, sentiment and risk; `opinion_groups` the near-duplicate
groups (reposts count as spread); `opinion_bands` the MinHash LSH buckets that find candidates;
`opinion_rules` topic rules; `opinion_alerts` high-risk items shown to the people on duty;
`opinion_incidents` + `opinion_incident_links` + `opinion_incident_events` the incident workflow;
`opinion_brief_subscriptions` + `opinion_brief_runs` the daily and weekly briefs by mail.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, utcnow


class OpinionSource(Base):
    __tablename__ = "opinion_sources"
    __table_args__ = (Index("uq_opinion_sources_builtin", "builtin", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # feed | page | weibo | toutiao | wechat
    # Set on a source the product makes itself (the account's messages: "wechat"), unique so two
    # nodes taking their first message at once make one source, not two (NULL for the rest).
    builtin: Mapped[str | None] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(1000))
    enabled: Mapped[bool] = mapped_column(default=True)
    every_seconds: Mapped[int] = mapped_column(Integer, default=900)
    # Conditional GET: what the server said last time, sent back as If-None-Match/-Modified-Since.
    etag: Mapped[str | None] = mapped_column(String(255))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    # ok | not_modified | failed | blocked (robots.txt) | never
    status: Mapped[str] = mapped_column(String(16), default="never")
    # Why the last fetch failed, in words an operator can act on (timeout, too_large, garbage_html…).
    reason: Mapped[str | None] = mapped_column(String(255))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_fetch_at: Mapped[datetime | None]
    last_fetch_at: Mapped[datetime | None]
    last_ok_at: Mapped[datetime | None]
    items_total: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OpinionRaw(Base):
    """One fetched body, exactly as received (capped at the fetcher's limit)."""

    __tablename__ = "opinion_raw"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("opinion_sources.id"))
    url: Mapped[str] = mapped_column(String(1000))
    role: Mapped[str] = mapped_column(String(16))  # feed | list | article
    http_status: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(255))
    body: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # received → parsed | failed (the reason kept in `error`)
    state: Mapped[str] = mapped_column(String(16), default="received")
    error: Mapped[str | None] = mapped_column(String(255))
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_opinion_raw_state", "state"),)


class OpinionGroup(Base):
    """Near-duplicates of one story: the first item and how far it spread."""

    __tablename__ = "opinion_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_item_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    size: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)


class OpinionItem(Base):
    __tablename__ = "opinion_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("opinion_sources.id"))
    raw_id: Mapped[int | None] = mapped_column(ForeignKey("opinion_raw.id"))
    guid: Mapped[str] = mapped_column(String(500))
    url: Mapped[str] = mapped_column(String(1000))
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The charset the text was decoded from; `encoding_flag` says "guessed" or "undecodable".
    encoding: Mapped[str | None] = mapped_column(String(32))
    encoding_flag: Mapped[str | None] = mapped_column(String(32))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("opinion_groups.id"))
    duplicate: Mapped[bool] = mapped_column(default=False)
    signature: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    # Negative probability 0..1 (0.5: unknown), risk 0..100, rules matched (ids).
    negative: Mapped[float] = mapped_column(Float, default=0.5)
    risk: Mapped[float] = mapped_column(Float, default=0.0)
    risk_terms: Mapped[list[str]] = mapped_column(JSON, default=list)
    rule_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # fetched (text stored) → processed (grouped, scored)
    state: Mapped[str] = mapped_column(String(16), default="fetched")

    __table_args__ = (
        Index("uq_opinion_items_source_guid", "source_id", "guid", unique=True),
        Index("ix_opinion_items_state", "state"),
        Index("ix_opinion_items_group", "group_id"),
        Index("ix_opinion_items_risk", "risk"),
    )


class OpinionBand(Base):
    """One LSH band of an item's MinHash signature: items sharing a bucket are candidates."""

    __tablename__ = "opinion_bands"

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(24))  # band number + the band's hash
    item_id: Mapped[int] = mapped_column(ForeignKey("opinion_items.id"))

    __table_args__ = (Index("ix_opinion_bands_bucket", "bucket"),)


class OpinionRule(Base):
    __tablename__ = "opinion_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # AND / OR / NOT of keywords with parentheses, e.g. (养老院 OR 敬老院) AND 虐待 AND NOT 演习
    expression: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __mapper_args__ = {"version_id_col": version}


class OpinionAlert(Base):
    """A high-risk item shown to the people on duty until one of them acknowledges it."""

    __tablename__ = "opinion_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One alert per story: the group, and the item whose arrival made it high-risk.
    group_id: Mapped[int] = mapped_column(ForeignKey("opinion_groups.id"), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("opinion_items.id"))
    risk: Mapped[float] = mapped_column(Float)
    title: Mapped[str] = mapped_column(String(300))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None]
    incident_id: Mapped[int | None] = mapped_column(Integer)


class OpinionIncident(Base):
    """An opinion incident (舆情事件): found → verified → reported → responded → closed."""

    __tablename__ = "opinion_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    level: Mapped[str] = mapped_column(String(16), default="normal")  # normal | major
    state: Mapped[str] = mapped_column(String(16), default="found")
    due_at: Mapped[datetime | None]  # the deadline of the current step
    response: Mapped[str | None] = mapped_column(Text)  # the published response (回应)
    responded_by: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_opinion_incidents_state", "state"),)
    __mapper_args__ = {"version_id_col": version}


class OpinionIncidentLink(Base):
    __tablename__ = "opinion_incident_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("opinion_incidents.id"))
    kind: Mapped[str] = mapped_column(String(16))  # item | workorder | article
    ref_id: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("uq_opinion_incident_links", "incident_id", "kind", "ref_id", unique=True),)


class OpinionIncidentEvent(Base):
    """The incident's timeline: each step with who, when and the note."""

    __tablename__ = "opinion_incident_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("opinion_incidents.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class OpinionBriefSubscription(Base):
    """Who gets the daily and/or weekly opinion brief (舆情日报/周报) by mail."""

    __tablename__ = "opinion_brief_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255))
    daily: Mapped[bool] = mapped_column(default=True)
    weekly: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OpinionBriefRun(Base):
    """One brief for one subscriber and period: claimed (`sending`) and committed before the mail
    goes out, unique per subscriber × kind × period, so a restart or a second node never mails it
    twice; `failed` sends are retried with back-off (`next_try_at`)."""

    __tablename__ = "opinion_brief_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("opinion_brief_subscriptions.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(8))  # daily | weekly
    period_first: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="sending")  # sending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    error: Mapped[str | None] = mapped_column(Text)
    next_try_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        Index(
            "uq_opinion_brief_runs_subscription_id", "subscription_id", "kind", "period_first", unique=True
        ),
    )
